"""``/v1/lifecycle``: the server's clock, the forecast, and simulated days."""

from __future__ import annotations

from apitest_support import Api, assert_problem

from certherd.domain.clock import SystemClock
from certherd.errors import InvalidStateError
from certherd.services.time_travel import Simulation


def unexported_certificate(api: Api, days: int) -> str:
    """A private certificate that is neither exported nor in use: not renewed, only watched."""
    root = api.root_ca()
    return api.request_certificate(str(root["Arn"]), ValidityInDays=days)


def test_the_clock_says_simulated(api: Api) -> None:
    response = api.get("/v1/lifecycle/clock")
    assert response.status_code == 200
    assert response.json() == {"Now": "2026-01-01T00:00:00Z", "Simulated": True}


def test_forecast_lists_what_will_fire_and_why(api: Api) -> None:
    arn = unexported_certificate(api, 50)
    response = api.get("/v1/lifecycle/forecast", params={"Days": 10})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["Start"] == "2026-01-01T00:00:00Z" and body["Days"] == 10
    mine = [e for e in body["Entries"] if e["CertificateArn"] == arn]
    assert [(e["Date"], e["DetailType"]) for e in mine] == [
        ("2026-01-06", "ACM Certificate Approaching Expiration"),
        ("2026-01-07", "ACM Certificate Approaching Expiration"),
        ("2026-01-08", "ACM Certificate Approaching Expiration"),
        ("2026-01-09", "ACM Certificate Approaching Expiration"),
        ("2026-01-10", "ACM Certificate Approaching Expiration"),
    ]
    assert all(e["Why"] for e in mine)
    # A forecast sends nothing.
    approaching = api.get(
        "/v1/events", params={"detail-type": "ACM Certificate Approaching Expiration"}
    ).json()["Events"]
    assert approaching == []


def test_forecast_days_are_checked(api: Api) -> None:
    body = assert_problem(api.get("/v1/lifecycle/forecast", params={"Days": 0}), 400)
    assert body["field"] == "Days"


def test_run_moves_the_clock_and_runs_each_day(api: Api) -> None:
    arn = unexported_certificate(api, 50)
    response = api.post("/v1/lifecycle/run", json={"Until": "2026-01-08"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["Now"] == "2026-01-08T00:00:00Z"
    assert [d["At"][:10] for d in body["Days"]] == [f"2026-01-0{d}" for d in range(1, 9)]
    assert [d["Events"] for d in body["Days"]] == [0, 0, 0, 0, 0, 1, 1, 1]
    assert api.container.clock.now().isoformat() == "2026-01-08T00:00:00+00:00"
    events = api.get(
        "/v1/events",
        params={"resource": arn, "detail-type": "ACM Certificate Approaching Expiration"},
    ).json()["Events"]
    assert [e["Event"]["detail"]["DaysToExpiry"] for e in events] == [43, 44, 45]


def test_run_refuses_the_past_and_bad_dates(api: Api) -> None:
    assert (
        assert_problem(api.post("/v1/lifecycle/run", json={"Until": "2025-12-31"}), 400)["field"]
        == "Until"
    )
    assert (
        assert_problem(api.post("/v1/lifecycle/run", json={"Until": "soon"}), 400)["field"]
        == "Until"
    )


def test_run_needs_an_admin_token(api: Api) -> None:
    token = api.container.tokens.create(name="ops", account="000000000000")
    response = api.client.post(
        "/v1/lifecycle/run",
        json={"Until": "2026-01-02"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert assert_problem(response, 403)["code"] == "AccessDenied"
    assert api.container.clock.now().isoformat() == "2026-01-01T00:00:00+00:00"


def test_a_server_on_the_system_clock_cannot_run_ahead(api: Api) -> None:
    simulation = Simulation(clock=SystemClock(), lifecycle=api.container.lifecycle)
    assert not simulation.simulated
    try:
        simulation.run_until(SystemClock().now())
    except InvalidStateError as exc:
        assert exc.field == "Until"
        assert "system clock" in str(exc)
    else:
        raise AssertionError("a system clock cannot be moved")
