"""Reference vocabularies of the spec: the six pillars and the provinces of Lao PDR."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Pledge and agreement refs (PL-2025-004): the same rule for the web forms and the register import.
REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/\-]*$")
REF_RULE = "use letters, digits, spaces and . _ / - only, starting with a letter or digit (for example PL-2025-004)"


def ref_problem(text: str) -> str | None:
    """Return what is wrong with a pledge or agreement ref, or None when it follows the rule."""
    if text and not REF_PATTERN.match(text):
        return f"{text!r} is not a valid ref: {REF_RULE}"
    return None


@dataclass(frozen=True)
class PillarInfo:
    code: str
    name_en: str
    name_lo: str


@dataclass(frozen=True)
class ProvinceInfo:
    code: str
    name_en: str
    name_lo: str
    aliases: tuple[str, ...] = ()


PILLARS: tuple[PillarInfo, ...] = (
    PillarInfo("clearance", "Survey and Clearance", "ການສຳຫຼວດ ແລະ ເກັບກູ້"),
    PillarInfo("va", "Victim Assistance", "ການຊ່ວຍເຫຼືອຜູ້ເຄາະຮ້າຍ"),
    PillarInfo("re", "Risk Education", "ການໂຄສະນາສຶກສາ"),
    PillarInfo("im", "Information Management", "ການຄຸ້ມຄອງຂໍ້ມູນ"),
    PillarInfo("policy", "Coordination, Policy and Funding Strategy", "ການປະສານງານ, ນະໂຍບາຍ ແລະ ຍຸດທະສາດການເງິນ"),
    PillarInfo("unallocated", "Not disaggregated", "ບໍ່ໄດ້ແບ່ງແຍກ"),
)

NATIONAL = "national"

PROVINCES: tuple[ProvinceInfo, ...] = (
    ProvinceInfo("LA-AT", "Attapeu", "ອັດຕະປື", ("Attapu", "Attopeu")),
    ProvinceInfo("LA-BK", "Bokeo", "ບໍ່ແກ້ວ", ("Bokeu",)),
    ProvinceInfo("LA-BL", "Bolikhamxai", "ບໍລິຄຳໄຊ", ("Bolikhamsai", "Borikhamxay", "Bolikhamxay", "Borikhamsay")),
    ProvinceInfo("LA-CH", "Champasak", "ຈຳປາສັກ", ("Champassak", "Champasack")),
    ProvinceInfo("LA-HO", "Houaphanh", "ຫົວພັນ", ("Houaphan", "Huaphan", "Hua Phan")),
    ProvinceInfo("LA-KH", "Khammouane", "ຄຳມ່ວນ", ("Khammouan", "Khammuan")),
    ProvinceInfo("LA-LM", "Louang Namtha", "ຫຼວງນ້ຳທາ", ("Luang Namtha", "Luangnamtha", "Louangnamtha")),
    ProvinceInfo("LA-LP", "Louangphabang", "ຫຼວງພະບາງ", ("Luang Prabang", "Luangprabang", "Louang Phabang")),
    ProvinceInfo("LA-OU", "Oudomxai", "ອຸດົມໄຊ", ("Oudomxay", "Oudomsay", "Udomxai")),
    ProvinceInfo("LA-PH", "Phongsali", "ຜົ້ງສາລີ", ("Phongsaly", "Phongsaley")),
    ProvinceInfo("LA-SL", "Salavan", "ສາລະວັນ", ("Saravane", "Saravan", "Salavane")),
    ProvinceInfo("LA-SV", "Savannakhet", "ສະຫວັນນະເຂດ", ("Savannakhét", "Savanakhet")),
    ProvinceInfo("LA-VI", "Vientiane Province", "ແຂວງວຽງຈັນ", ("Vientiane", "Viangchan Province")),
    ProvinceInfo("LA-VT", "Vientiane Capital", "ນະຄອນຫຼວງວຽງຈັນ", ("Vientiane Prefecture", "Viangchan Capital")),
    ProvinceInfo("LA-XA", "Xaignabouli", "ໄຊຍະບູລີ", ("Sainyabuli", "Xayabouri", "Xayaboury", "Sayaboury", "Xayabury")),
    ProvinceInfo("LA-XE", "Xekong", "ເຊກອງ", ("Sekong", "Xe Kong")),
    ProvinceInfo("LA-XI", "Xiangkhouang", "ຊຽງຂວາງ", ("Xiengkhouang", "Xieng Khouang", "Xiang Khouang")),
    ProvinceInfo("LA-XS", "Xaisomboun", "ໄຊສົມບູນ", ("LA-XN", "Xaysomboune", "Saysomboun", "Xaysomboun")),
)
PROVINCE_NATIONAL = ProvinceInfo(NATIONAL, "National (not tied to one province)", "ລະດັບຊາດ", ("nationwide", "all"))


def normalise(text: str) -> str:
    """Return text folded for matching: case, accents, spaces, dashes and dots ignored."""
    text = unicodedata.normalize("NFKD", str(text)).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return "".join(c for c in text if c.isalnum())


def _index() -> tuple[dict[str, str], dict[str, str]]:
    pillars: dict[str, str] = {}
    for p in PILLARS:
        for name in (p.code, p.name_en, p.name_lo):
            pillars[normalise(name)] = p.code
    provinces: dict[str, str] = {}
    for prov in (*PROVINCES, PROVINCE_NATIONAL):
        for name in (prov.code, prov.name_en, prov.name_lo, *prov.aliases):
            provinces[normalise(name)] = prov.code
        if prov.code.startswith("LA-"):
            provinces[normalise(prov.code[3:])] = prov.code
    return pillars, provinces


_PILLAR_INDEX, _PROVINCE_INDEX = _index()


def pillar_code(text: str) -> str | None:
    """Return the pillar code written as a code, English or Lao name, or None."""
    return _PILLAR_INDEX.get(normalise(text))


def province_code(text: str) -> str | None:
    """Return the province code (or `national`) written as a code or a known name, or None."""
    return _PROVINCE_INDEX.get(normalise(text))
