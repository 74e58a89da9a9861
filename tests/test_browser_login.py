"""A person logs in with Debian's chromium, sees the year's figures, and logs out."""
from conftest import browser_login


def test_login_see_home_and_logout(page, demo_app, make_user):
    email = make_user("co-chair")
    page.goto("/")
    assert "/login" in page.url  # anonymous visitors see only the login page
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "wrong password!!")
    page.click("input[type=submit][value='Log in']")
    assert page.locator("ul.errors").inner_text().startswith("E-mail or password is not right")
    browser_login(page, email)
    page.goto("/?year=2025")
    assert page.locator("h1").inner_text() == "2025 funding at a glance"
    assert page.locator("table.figures").first.locator("tbody tr").count() == 6
    page.click("text=Log out")
    page.wait_for_url("**/login")
    page.goto("/")
    assert "/login" in page.url
