"""``/v1/findings`` against the real application: a rule on expiry events targets the hub,
the lifecycle expires an imported certificate, and the finding is listed, filtered,
described, exported as ASFF and triaged."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

from apitest_support import Api, assert_problem

sys.path.insert(0, str(Path(__file__).parents[1] / "services"))
from test_imports import make_bundle

PATTERN = {"source": ["certherd"], "detail-type": ["Imported Certificate Expired"]}


def _expired_finding(api: Api) -> str:
    """An imported certificate that expired, with its finding; the certificate's ARN."""
    account = api.settings.account_id
    put = api.put("/v1/buses/default/rules/findings", json={"EventPattern": PATTERN})
    assert put.status_code == 200, put.text
    hub = api.container.arns.security_hub(account)
    added = api.post(
        "/v1/buses/default/rules/findings/targets", json={"Targets": [{"Id": "hub", "Arn": hub}]}
    )
    assert added.json()["FailedEntryCount"] == 0, added.text
    bundle = make_bundle(api.clock.now(), 2)
    arn = api.container.certificates.import_certificate(
        account=account, certificate=bundle.certificate, private_key=bundle.key, chain=bundle.chain
    )
    for _ in range(4):
        api.container.lifecycle.tick()
        for _ in range(3):
            api.container.router.route_all(api.clock.now())
            api.container.delivery.deliver_due(api.clock.now())
        api.clock.advance(timedelta(days=1))
    return arn


def test_a_finding_is_listed_described_exported_and_triaged(api: Api) -> None:
    arn = _expired_finding(api)
    listed = api.get("/v1/findings", params={"WorkflowStatus": "NEW", "ResourceId": arn})
    assert listed.status_code == 200, listed.text
    [finding] = listed.json()["Findings"]
    assert listed.json()["NextToken"] is None
    assert finding["SchemaVersion"] == "2018-10-08"
    assert finding["GeneratorId"] == "certherd/imported-certificate-expired"
    assert finding["Resources"][0]["Type"] == "AwsCertificateManagerCertificate"
    assert finding["Types"][0] == "Software and Configuration Checks/AWS Security Best Practices"
    finding_id = finding["Id"].rsplit("/", 1)[1]
    assert api.get(f"/v1/findings/{finding_id}").json() == finding
    assert api.get("/v1/findings", params={"SeverityLabel": "LOW"}).json()["Findings"] == []

    exported = api.get("/v1/findings/export").json()
    assert exported == {"Findings": [finding]}
    json.dumps(exported)  # plain JSON

    updated = api.patch(
        f"/v1/findings/{finding_id}",
        json={
            "Workflow": {"Status": "NOTIFIED"},
            "Note": {"Text": "ticket OPS-1", "UpdatedBy": "bob"},
        },
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["Workflow"] == {"Status": "NOTIFIED"}
    assert updated.json()["Note"]["Text"] == "ticket OPS-1"
    assert updated.json()["Note"]["UpdatedBy"] == "bob"


def test_bad_input_is_a_problem_naming_the_field(api: Api) -> None:
    assert_problem(api.get("/v1/findings/not-a-finding"), 404, "FindingId")
    assert_problem(api.get("/v1/findings", params={"NextToken": "nonsense"}), 400, "NextToken")
    assert_problem(api.get("/v1/findings", params={"MaxItems": 0}), 400, "MaxItems")
    assert_problem(api.get("/v1/findings", params={"WorkflowStatus": "FIXED"}), 400)
    arn = _expired_finding(api)
    [finding] = api.get("/v1/findings", params={"ResourceId": arn}).json()["Findings"]
    finding_id = finding["Id"].rsplit("/", 1)[1]
    assert_problem(
        api.patch(f"/v1/findings/{finding_id}", json={"Workflow": {"Status": "DONE"}}), 400
    )
    assert_problem(
        api.patch(
            f"/v1/findings/{finding_id}",
            json={"Workflow": {"Status": "NEW"}, "Note": {"Text": "x" * 513}},
        ),
        400,
    )
