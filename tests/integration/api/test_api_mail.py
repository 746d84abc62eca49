"""``/v1/mailbox`` and ``/v1/mail-relay`` over HTTP, on SQLite and PostgreSQL: mail kept
when no relay is configured, and the relay's settings (admin only, password never shown)."""

from __future__ import annotations

from apitest_support import Api, assert_problem

MAIL_FIELDS = ["MailId", "From", "To", "Subject", "CreatedAt", "Delivered"]
RELAY_FIELDS = [
    "Host",
    "Port",
    "Security",
    "Username",
    "HasPassword",
    "Sender",
    "SenderName",
    "TimeoutSeconds",
    "UpdatedAt",
]
PASSWORD = "s3cret-relay-passw0rd"


def subscribe_email(api: Api, topic: str, address: str) -> None:
    topic_arn = api.post("/v1/topics", json={"Name": topic}).json()["TopicArn"]
    answered = api.post(
        "/v1/subscriptions", json={"TopicArn": topic_arn, "Protocol": "email", "Endpoint": address}
    )
    assert answered.status_code == 200, answered.text


def test_the_mailbox_keeps_mail_when_no_relay_is_set(api: Api) -> None:
    assert_problem(api.get("/v1/mail-relay"), 404)
    assert api.get("/v1/mailbox").json() == {"Mails": [], "NextToken": None}
    subscribe_email(api, "first", "one@example.com")
    subscribe_email(api, "second", "two@example.com")
    api.container.topic_delivery.deliver_due(api.clock.now())

    listed = api.get("/v1/mailbox").json()
    assert listed["NextToken"] is None
    assert len(listed["Mails"]) == 2 and all(list(m) == MAIL_FIELDS for m in listed["Mails"])
    assert {m["To"][0] for m in listed["Mails"]} == {"one@example.com", "two@example.com"}
    assert all(m["Delivered"] is False and m["From"] for m in listed["Mails"])
    assert all(m["CreatedAt"] == "2026-01-01T00:00:00Z" for m in listed["Mails"])

    first = api.get("/v1/mailbox", params={"MaxItems": 1}).json()
    assert len(first["Mails"]) == 1 and first["NextToken"]
    rest = api.get("/v1/mailbox", params={"MaxItems": 1, "NextToken": first["NextToken"]}).json()
    assert len(rest["Mails"]) == 1 and rest["NextToken"] is None
    assert {first["Mails"][0]["MailId"], rest["Mails"][0]["MailId"]} == {
        m["MailId"] for m in listed["Mails"]
    }

    shown = api.get(f"/v1/mailbox/{listed['Mails'][0]['MailId']}").json()
    assert list(shown) == [*MAIL_FIELDS, "Text", "Html"]
    assert "/sns/confirm?" in shown["Text"] and "<" in shown["Html"]
    assert shown["Subject"] == listed["Mails"][0]["Subject"]

    other = {"X-Certherd-Account": "222222222222"}
    assert api.get("/v1/mailbox", headers=other).json()["Mails"] == []
    assert_problem(api.get(f"/v1/mailbox/{shown['MailId']}", headers=other), 404, "MailId")
    assert_problem(api.get("/v1/mailbox/not-an-id"), 404)
    assert_problem(api.get("/v1/mailbox", params={"MaxItems": 101}), 400, "MaxItems")
    assert_problem(api.get("/v1/mailbox", params={"NextToken": "x"}), 400, "NextToken")


def test_the_relay_is_set_by_an_admin_and_never_shows_its_password(api: Api) -> None:
    body = {
        "Host": "smtp.example.com",
        "Port": 2525,
        "Username": "certherd",
        "Password": PASSWORD,
        "Sender": "certherd@example.com",
        "SenderName": "certherd",
    }
    answered = api.put("/v1/mail-relay", json=body)
    assert answered.status_code == 200, answered.text
    assert PASSWORD not in answered.text
    relay = answered.json()
    assert list(relay) == RELAY_FIELDS
    assert relay["Host"] == "smtp.example.com" and relay["Port"] == 2525
    assert relay["Security"] == "starttls" and relay["HasPassword"] is True
    assert relay["Username"] == "certherd" and relay["SenderName"] == "certherd"
    assert relay["UpdatedAt"] == "2026-01-01T00:00:00Z" and relay["TimeoutSeconds"] > 0
    shown = api.get("/v1/mail-relay")
    assert shown.json() == relay and PASSWORD not in shown.text

    replaced = api.put(
        "/v1/mail-relay",
        json={"Host": "mail.example.com", "Security": "tls", "Sender": "a@example.com"},
    ).json()
    assert replaced["HasPassword"] is False and replaced["Port"] == 465
    assert replaced["Username"] is None

    plain = {
        "Authorization": f"Bearer {api.container.tokens.create(name='ci', account='222222222222')}"
    }
    for method in ("GET", "DELETE"):
        assert_problem(api.client.request(method, "/v1/mail-relay", headers=plain), 403)
    assert_problem(api.client.put("/v1/mail-relay", json=body, headers=plain), 403)

    assert api.delete("/v1/mail-relay").status_code == 204
    assert_problem(api.get("/v1/mail-relay"), 404)
    assert api.delete("/v1/mail-relay").status_code == 204


def test_bad_relay_settings_name_the_field(api: Api) -> None:
    base = {"Host": "smtp.example.com", "Sender": "certherd@example.com"}
    cases = [
        ({"Host": "bad host"}, "Host"),
        ({"Sender": "nobody"}, "Sender"),
        ({"Security": "ssl"}, "Security"),
        ({"Port": 70000}, "Port"),
        ({"Password": PASSWORD}, "Password"),
        ({"TimeoutSeconds": -1}, "TimeoutSeconds"),
        ({"Colour": "red"}, "Colour"),
    ]
    for change, field in cases:
        response = api.put("/v1/mail-relay", json={**base, **change})
        problem = assert_problem(response, 400, field)
        assert PASSWORD not in response.text, problem
    assert_problem(api.get("/v1/mail-relay"), 404)
