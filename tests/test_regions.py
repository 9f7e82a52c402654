import pytest

from theme_classifier.regions import PROVINCES, region_codes


@pytest.mark.parametrize("region,expected", [
    ("江苏省", ("provincial", "32", "Jiangsu")),
    ("广西壮族自治区", ("provincial", "45", "Guangxi")),
    ("内蒙古自治区", ("provincial", "15", "Neimenggu")),
    ("上海市", ("provincial", "31", "Shanghai")),
    ("陕西省", ("provincial", "61", "Shaanxi")),
    ("国务院", ("national", "", "")),
    ("南通市", ("prefecture", "", "")),
    ("句容县", ("county", "", "")),
    ("", ("", "", "")),
])
def test_region_codes(region, expected):
    assert tuple(region_codes(region).values()) == expected


def test_thirty_one_provinces_with_unique_codes_and_names():
    codes = [code for code, _ in PROVINCES.values()]
    names = [name for _, name in PROVINCES.values()]
    assert len(PROVINCES) == 31 and len(set(codes)) == 31 and len(set(names)) == 31
