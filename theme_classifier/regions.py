"""Codes and names that let a region × year panel merge with yearbook data: the administrative
level of a report's government, and for the 31 provinces their GB/T 2260 code and pinyin name."""

from .reading import report_level

#: Province (short name) → (GB/T 2260 two-digit code, pinyin name).
PROVINCES = {
    "北京": ("11", "Beijing"), "天津": ("12", "Tianjin"), "河北": ("13", "Hebei"), "山西": ("14", "Shanxi"),
    "内蒙古": ("15", "Neimenggu"), "辽宁": ("21", "Liaoning"), "吉林": ("22", "Jilin"),
    "黑龙江": ("23", "Heilongjiang"), "上海": ("31", "Shanghai"), "江苏": ("32", "Jiangsu"),
    "浙江": ("33", "Zhejiang"), "安徽": ("34", "Anhui"), "福建": ("35", "Fujian"), "江西": ("36", "Jiangxi"),
    "山东": ("37", "Shandong"), "河南": ("41", "Henan"), "湖北": ("42", "Hubei"), "湖南": ("43", "Hunan"),
    "广东": ("44", "Guangdong"), "广西": ("45", "Guangxi"), "海南": ("46", "Hainan"), "重庆": ("50", "Chongqing"),
    "四川": ("51", "Sichuan"), "贵州": ("52", "Guizhou"), "云南": ("53", "Yunnan"), "西藏": ("54", "Xizang"),
    "陕西": ("61", "Shaanxi"), "甘肃": ("62", "Gansu"), "青海": ("63", "Qinghai"), "宁夏": ("64", "Ningxia"),
    "新疆": ("65", "Xinjiang"),
}


def region_codes(region):
    """``{"level", "province_code", "province"}`` of a report's region name.

    The province columns are filled for a provincial government only (``江苏省``, ``广西壮族自治区``,
    ``上海市``); ``level`` is ``national`` for 国务院, else provincial, prefecture or county when the
    name tells, and empty when it does not.

    >>> region_codes("广西壮族自治区")
    {'level': 'provincial', 'province_code': '45', 'province': 'Guangxi'}
    """
    level = report_level(region) or ""
    code, name = "", ""
    if level == "provincial":
        for short, (code_, name_) in PROVINCES.items():
            if region.startswith(short):
                code, name = code_, name_
                break
    return {"level": level, "province_code": code, "province": name}
