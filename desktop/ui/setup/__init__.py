"""The first run: the choice between the demo and the clinic's setup, and the setup's steps."""
