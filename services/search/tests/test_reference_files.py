"""Reading the postcodes geocoding needs from the shipped files."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.adapters.reference_files import load_geocoder
from search.domain.geocoding import PostcodeGeocoder
from search.testing.events import DATA


@pytest.fixture(scope="module")
def geocoder() -> PostcodeGeocoder:
    return load_geocoder(DATA)


def test_loads_every_postcode(geocoder: PostcodeGeocoder) -> None:
    assert len(geocoder) == 1089
    aarhus = geocoder.get("8000")
    assert aarhus is not None
    assert aarhus.name == "Aarhus C"
    assert aarhus.municipality_codes == (751,)
    assert 56.0 < aarhus.point.lat < 56.3
    assert 10.0 < aarhus.point.lon < 10.3
    glostrup = geocoder.get("2600")
    assert glostrup is not None
    assert glostrup.municipality_codes == (153, 161, 165)


def test_load_refuses_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "postnumre.csv").write_text(
        "postnr,navn,visueltcenter_lon,visueltcenter_lat,kommunekoder\n", encoding="utf-8"
    )
    (tmp_path / "postnumre_punkter.csv").write_text(
        "postnr,navn,lat,lon,metode,dagtilbud\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="no postcodes"):
        load_geocoder(tmp_path)


def test_load_refuses_a_postcode_without_its_point(tmp_path: Path) -> None:
    # The visual centre may lie at sea: it is never a fallback.
    (tmp_path / "postnumre.csv").write_text(
        "postnr,navn,visueltcenter_lon,visueltcenter_lat,kommunekoder\n"
        "6950,Ringkøbing,4.07461311,56.20098497,760\n",
        encoding="utf-8",
    )
    (tmp_path / "postnumre_punkter.csv").write_text(
        "postnr,navn,lat,lon,metode,dagtilbud\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="no point for 6950"):
        load_geocoder(tmp_path)
