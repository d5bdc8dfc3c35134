"""Standard exports: FollowTheMoney, GraphML, i2 CSV, CSV per table, JSON analysis files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx
import pytest
from followthemoney import model

from tests.fixtures import BUYERS, SELLERS, pid
from threadline import Case
from threadline.share.exports import EXPORT_FORMATS, export_format
from threadline.share.graph_export import I2_ENTITY_COLUMNS, I2_LINK_COLUMNS, person_graph
from threadline.store import audit


def test_ftm_entities_reread_through_the_model(world: Case, tmp_path: Path) -> None:
    result = export_format(world, "ftm", tmp_path)
    lines = (tmp_path / "entities.ftm.json").read_text().splitlines()
    entities = [json.loads(line) for line in lines]
    ids = {e["id"] for e in entities}
    assert len(ids) == len(entities)  # one entity per id, no fragments
    for data in entities:
        schema = model.get(data["schema"])
        assert schema is not None
        schema.validate(data)
        proxy = model.get_proxy(data, cleaned=False)
        assert proxy.to_dict()["properties"] == data["properties"]  # nothing dropped
        for name in schema.required:
            assert proxy.get(name), (data["schema"], name)
        for prop, values in _entity_props(proxy):
            assert set(values) <= ids, (data["schema"], prop)
    counts = result["counts"]
    assert counts["Person"] == 8
    assert counts["UserAccount"] == 8
    assert counts["Payment"] == 12
    assert counts["Message"] == 24
    assert counts["Organization"] == 2
    assert counts["Membership"] == 8
    assert counts["Associate"] == 6
    assert counts["Address"] == 2
    assert counts["BankAccount"] == 8
    persons = [e for e in entities if e["schema"] == "Person"]
    tom = next(
        p for p in persons if f"threadline:{pid(world, BUYERS[0])}" in p["properties"]["keywords"]
    )
    assert "Tom Bright" in tom["properties"]["name"]
    ana = next(
        p for p in persons if f"threadline:{pid(world, SELLERS[0])}" in p["properties"]["keywords"]
    )
    (address,) = ana["properties"]["addressEntity"]
    assert next(e for e in entities if e["id"] == address)["properties"]["latitude"] == [
        "10.315700"
    ]


def _entity_props(proxy: object) -> list[tuple[str, list[str]]]:
    out = []
    for prop in proxy.schema.properties.values():  # type: ignore[attr-defined]
        if prop.type.name == "entity" and proxy.get(prop):  # type: ignore[attr-defined]
            out.append((prop.name, proxy.get(prop)))  # type: ignore[attr-defined]
    return out


def test_graphml_loads_in_networkx_with_the_same_counts(world: Case, tmp_path: Path) -> None:
    result = export_format(world, "graphml", tmp_path)
    g = nx.read_graphml(tmp_path / "persons.graphml")
    ours = person_graph(world.engine)
    assert g.number_of_nodes() == ours.vcount() == result["counts"]["nodes"] == 8
    assert g.number_of_edges() == ours.ecount() == result["counts"]["edges"]
    kinds = [d["kind"] for _, _, d in g.edges(data=True)]
    # 6 buyer-seller pairs: messages both ways, payments and sessions one way
    assert sorted({k: kinds.count(k) for k in kinds}.items()) == [
        ("message", 12),
        ("paid_session", 6),
        ("payment", 6),
    ]
    roles = nx.get_node_attributes(g, "role")
    assert sorted(roles.values()).count("facilitator") == 2


def test_i2_csv_layout(world: Case, tmp_path: Path) -> None:
    result = export_format(world, "i2", tmp_path)
    with (tmp_path / "i2_links.csv").open() as fh:
        links = list(csv.DictReader(fh))
    with (tmp_path / "i2_entities.csv").open() as fh:
        entities = list(csv.DictReader(fh))
    assert tuple(links[0]) == I2_LINK_COLUMNS
    assert tuple(entities[0]) == I2_ENTITY_COLUMNS
    assert len(links) == result["counts"]["links"] == 24
    assert {e["Identity"] for e in entities} >= {r["End1 Identity"] for r in links}
    payment = next(r for r in links if r["Link Type"] == "payment")
    assert payment["Link Amounts"].startswith("USD 70")


def test_csv_per_table(world: Case, tmp_path: Path) -> None:
    result = export_format(world, "csv", tmp_path)
    for table in ("accounts", "payments", "persons", "targets", "sessions", "audit"):
        if table == "persons":
            continue
        assert (tmp_path / f"{table}.csv").is_file()
    with (tmp_path / "sessions.csv").open() as fh:
        sessions = list(csv.DictReader(fh))
    assert len(sessions) == 6
    assert json.loads(sessions[0]["payment_transaction_ids"])[0].startswith("T-")
    assert sessions[0]["start"].endswith("Z")
    assert result["counts"]["payments"] == 12
    assert "accounts.csv" in result["files"]


def test_json_export_holds_the_analysis_files(world: Case, tmp_path: Path) -> None:
    world.export(tmp_path)

    def read(name: str) -> list[dict[str, object]]:
        return [json.loads(x) for x in (tmp_path / f"{name}.jsonl").read_text().splitlines()]

    networks = read("networks")
    assert [n["network_id"] for n in networks] == ["N1", "N2"]
    assert networks[0]["sellers"] == [pid(world, SELLERS[0])]
    assert len(networks[0]["buyers"]) == 3
    targets = read("targets")
    assert [t["rank"] for t in targets] == list(range(1, 9))
    assert targets[0]["reasons"][0]["evidence"][0]["row"] == 1
    assert targets[2]["country"] == "GB"
    session = read("sessions")[0]
    assert set(session) >= {"buyer", "seller", "start", "end", "payment_transaction_ids"}
    assert session["buyer"] == {"platform": "chatapp", "account_id": "tom_b"}
    rescue = read("rescue")
    assert rescue[0]["location"]["country"] == "PH"
    assert rescue[0]["evidence"][0]["row"] == 2


def test_exports_are_audited(world: Case, tmp_path: Path) -> None:
    export_format(world, "graphml", tmp_path)
    entry = audit.entries(world.engine)[-1]
    assert entry.action == "export"
    details = json.loads(entry.details)
    assert details["format"] == "graphml"
    assert list(details["files"]) == ["persons.graphml"]
    assert set(EXPORT_FORMATS) == {"csv", "ftm", "graphml", "i2", "vics"}


def test_vics_goes_through_the_media_exporter(world: Case, tmp_path: Path) -> None:
    if not hasattr(world, "export_vics"):
        pytest.skip("the media stage's VICS exporter is not in this checkout")
    result = export_format(world, "vics", tmp_path)
    doc = json.loads((tmp_path / "media.vics.json").read_text())
    assert result["counts"]["media"] == len(doc["value"]) >= 1
    assert doc["value"][0]["MD5"] == "B" * 32
