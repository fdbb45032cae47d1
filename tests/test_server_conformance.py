"""The server publishes our profiles, extensions, CodeSystem and SearchParameters as FHIR resources."""
import json

from adapter.server import create_app
from adapter.store.command import open_store
from adapter.validate import issues


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.data[:300]
    return json.loads(response.data)


def test_profiles_and_search_parameters_are_served(tmp_path):
    store = open_store(str(tmp_path / "s.sqlite"))
    client = create_app({"STORE": store}).test_client()
    profile = _get(client, "/StructureDefinition?url=http://trialfhir.org/fhir/StructureDefinition/trial-researchstudy")
    assert [e["resource"]["type"] for e in profile["entry"]] == ["ResearchStudy"]
    params = _get(client, "/SearchParameter?_count=50")
    assert {"condition", "phase", "eligible-age", "enrollment"} <= {e["resource"]["code"] for e in params["entry"]}
    code_system = _get(client, "/CodeSystem?url=http://trialfhir.org/fhir/CodeSystem/ctgov-study-design")
    assert code_system["entry"][0]["resource"]["content"] == "complete"
    meta = _get(client, "/metadata")
    assert issues(meta, thorough=True) == []
    served = {r["type"] for r in meta["rest"][0]["resource"]}
    assert {"StructureDefinition", "SearchParameter", "CodeSystem"} <= served
    # publishing again at the next start-up changes nothing
    create_app({"STORE": store})
    again = _get(client, "/StructureDefinition/trial-researchstudy")
    assert again["meta"]["versionId"] == "1"
