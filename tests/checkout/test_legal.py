"""特定商取引法に基づく表記 / プライバシーポリシー / 利用規約 from the clinic's details."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_tokushoho_lists_the_clinic(client: TestClient) -> None:
    page = client.get("/clinic/tokushoho")
    assert page.status_code == 200
    for text in ("特定商取引法に基づく表記", "やまだ内科クリニック", "山田 太郎", "〒100-0001 東京都千代田区1-1-1",
                 "03-1234-5678", "info@yamada-clinic.example.jp", "T1234567890123", "PAY.JP"):
        assert text in page.text


def test_privacy_and_terms(client: TestClient) -> None:
    privacy = client.get("/clinic/privacy").text
    assert "プライバシーポリシー" in privacy and "当院のサーバーを通過せず" in privacy
    terms = client.get("/clinic/terms?lang=en").text
    assert "Terms of use" in terms and "やまだ内科クリニック" in terms


def test_unknown_legal_page_is_404(client: TestClient) -> None:
    assert client.get("/clinic/secret").status_code == 404
