"""One test per extraction rule, on short snippets written for the rule (not cut from the samples)."""
import pytest

from kg.doc import Doc
from kg.extractors import ExtractorError, get, plan, run
from kg.structure import parse


def doc_of(text, names=None):
    d = Doc(source="snippet.txt", sha256="ab" * 32, text=text)
    parse(d)
    run(d, names)
    return d


# --- registry -------------------------------------------------------------------------------

def test_extractors_unknown_name_lists_valid_ones():
    with pytest.raises(ExtractorError, match="valid names: metadata, inspection"):
        get("problem")


def test_extractors_plan_refuses_wrong_order():
    with pytest.raises(ExtractorError, match="requires 'problems'"):
        plan(["metadata", "measures"])


# --- metadata -------------------------------------------------------------------------------

def test_extractors_metadata_signature_gives_issuer_and_date():
    d = doc_of("现将情况通报如下。\n一、情况\n正文。\n中共某某市某某县委员会\n2023年1月5日", ["metadata"])
    m = d.facts["meta"]
    assert (m["issuer"].text, m["date"].iso) == ("中共某某市某某县委员会", "2023-01-05")


def test_extractors_metadata_issuer_from_title_before_guanyu():
    d = doc_of("中共平阳县委关于县委第一轮巡察整改进展情况的通报\n正文。", ["metadata"])
    assert d.facts["meta"]["issuer"].text == "中共平阳县委"
    assert d.facts["meta"]["jurisdiction"] == "平阳县"


def test_extractors_metadata_issuer_from_publisher_field():
    d = doc_of("平阳县巡察整改情况\n发布机构：平阳县纪委监委  发布日期：2022-06-01\n正文。", ["metadata"])
    assert d.facts["meta"]["issuer"].text == "平阳县纪委监委"
    assert d.facts["meta"]["date"].iso == "2022-06-01"


def test_extractors_metadata_news_outlet_is_issuer_of_news():
    d = doc_of("某市教育整顿取得成效\n今天，某某日报记者从发布会获悉，教育整顿启动以来……", ["metadata"])
    assert d.facts["meta"]["issuer"].text == "某某日报"


@pytest.mark.parametrize("text, genre", [
    ("按照党务公开原则和巡视工作有关要求，现将巡视整改进展情况予以公布。", "inspection-rectification"),
    ("政法队伍教育整顿查纠整改环节工作情况", "education-rectification"),
    ("关于2022年度审计查出问题整改情况的报告", "audit-rectification"),
    ("省委第二巡视组进驻某县，开展为期两个月的常规巡视。", "inspection-news"),
    ("某县举办农民丰收节。", "other"),
])
def test_extractors_metadata_genre(text, genre):
    assert doc_of(text, ["metadata"]).facts["meta"]["genre"] == genre


# --- inspection -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("根据县委统一部署，县委第二巡察组于2022年4月6日至5月20日对县民政局开展了巡察，并于7月1日反馈了巡察意见。",
     ("巡察", "县委第二巡察组", "县民政局", "2022-04-06", "2022-05-20", "2022-07-01")),
    ("2019年10月8日至12月30日，中央第十一巡视组对某省进行了巡视，2020年1月15日向某省省委反馈了巡视意见。",
     ("巡视", "中央第十一巡视组", "某省", "2019-10-08", "2019-12-30", "2020-01-15")),
    ("2020年11月2日至12月31日，七届市委第十二轮巡察一组对市水务局开展了专项巡察，3月3日反馈了巡察意见。",
     ("专项巡察", "市委第十二轮巡察一组", "市水务局", "2020-11-02", "2020-12-31", "2021-03-03")),
])
def test_extractors_inspection_opening_sentences(text, expected):
    i = doc_of(text, ["metadata", "inspection"]).facts["inspection"]
    got = (i["kind"].text, i["team"].text, i["target"].text, i["start"].iso, i["end"].iso, i["feedback"].iso)
    assert got == expected


def test_extractors_inspection_round_over_a_line_break():
    d = doc_of("某市委关于十三届\n市委第五轮巡察整改情况的通报\n正文。", ["metadata", "inspection"])
    assert "".join(d.facts["inspection"]["round"].text.split()) == "十三届市委第五轮"


def test_extractors_inspection_partial_date_without_year_is_left_out():
    d = doc_of("自3月1日全县政法队伍教育整顿启动以来，取得成效。", ["metadata", "inspection"])
    i = d.facts["inspection"]
    assert i["kind"].text == "教育整顿" and i["target"].text == "全县政法队伍" and "start" not in i


# --- counts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, key, value", [
    ("巡视反馈的3个方面、12项、36个问题", "problems", 36),
    ("截至目前，共计18个问题已整改完成。", "completed", 18),
    ("目前，已完成问题整改15个；", "completed", 15),
    ("共计4个问题正在整改过程中", "in_progress", 4),
    ("正在整改的问题2个", "in_progress", 2),
    ("制定整改措施86项", "measures", 86),
    ("细化56项整改措施", "measures", 56),
    ("共新建、修订11项制度机制", "rules", 11),
    ("等长效机制5项", "rules", 5),
    ("反馈问题二十三个", "problems", 23),                 # the number after the noun
    ("向纪委移交问题线索二十三件", None, None),
])
def test_extractors_counts(text, key, value):
    counts = doc_of(text, ["counts"]).facts["counts"]
    if key is None:
        assert counts == {}
    else:
        assert counts[key][0] == value


# --- problems -------------------------------------------------------------------------------

def problems(text):
    return [(p.ordinal, p.title.text, p.category.text if p.category else None, p.status)
            for p in doc_of(text, ["metadata", "problems"]).facts["problems"]]


def test_extractors_problems_quoted_titles_and_heading_status():
    got = problems("（一）已整改完成的问题\n1.关于“台账不全”问题的整改。已建立台账。\n"
                   "（二）正在推进整改的问题\n1.关于“制度滞后”问题的整改。")
    assert got == [("1", "台账不全", "已整改完成的问题", "completed"),
                   ("1", "制度滞后", "正在推进整改的问题", "in_progress")]


def test_extractors_problems_two_quotes_in_one_item():
    got = problems("3.关于“采购未比价”、“报销不规范”问题的整改。加强管理。")
    assert [g[1] for g in got] == ["采购未比价", "报销不规范"]


def test_extractors_problems_unquoted_guanyu_title():
    got = problems("一是关于公务卡结算不够规范的问题。\n整改措施:制定目录。")
    assert got[0][1] == "公务卡结算不够规范"


def test_extractors_problems_category_drops_zai_fangmian_frame():
    got = problems("（二）在财务管理不够严格方面1.关于“预算执行慢”的问题。\n整改情况:已整改完毕。")
    assert got == [("1", "预算执行慢", "财务管理不够严格", "completed")]


def test_extractors_problems_subproblems_and_their_status():
    got = problems("4.关于“合同管理混乱”的问题(1)具体问题:合同未归口。\n整改情况:已全部整改完毕。\n"
                   "(2)具体问题:付款不按约定。\n整改情况:尚有3份合同未办结。")
    assert got == [("4", "合同管理混乱", None, "in_progress"), ("4(1)", "合同未归口", None, "completed"),
                   ("4(2)", "付款不按约定", None, "in_progress")]


@pytest.mark.parametrize("body, status", [
    ("相关问题已整改完毕。", "completed"),
    ("全部整改完毕。", "completed"),
    ("已通过市级验收。", "completed"),
    ("尚有2份文件未出台。", "in_progress"),
    ("正在征求意见中。", "in_progress"),
    ("将于年底前完成。", "in_progress"),
    ("加强学习教育。", "unknown"),
    ("合同已全部整改完毕。制度待签发后执行。", "completed"),
    ("材料已悉数归档。新制度待审定后印发。", "in_progress"),
    ("7项已全部完成，其余将于年底前完成。", "in_progress"),
])
def test_extractors_problems_status_from_own_words(body, status):
    assert problems(f"1.关于“某项工作不到位”问题的整改。{body}")[0][3] == status


def test_extractors_problems_listed_before_dengwenti_in_running_text():
    got = problems("开展专项整治，排查“超期羁押”以及“违规减刑”等顽疾。")
    assert [g[1] for g in got] == ["超期羁押", "违规减刑"]


def test_extractors_problems_section_without_guanyu_is_not_a_problem():
    assert problems("一、整改工作组织情况\n（一）加强组织领导\n正文。") == []


# --- measures -------------------------------------------------------------------------------

def measures(text):
    return [(m.kind, m.ordinal, m.label.text) for m in
            doc_of(text, ["metadata", "problems", "measures"]).facts["measures"]]


def test_extractors_measures_line_start_steps():
    got = measures("1.关于“学习不深”问题的整改\n一是制定学习计划。细化安排。\n二是开展专题研讨。")
    assert got == [("unspecified", "一", "一是制定学习计划"), ("unspecified", "二", "二是开展专题研讨")]


def test_extractors_measures_planned_and_done_blocks():
    got = measures("2.关于“档案缺失”的问题\n整改措施:一是补齐材料。二是建立台账。\n整改情况:已补齐材料。")
    assert got == [("planned", "一", "一是补齐材料"), ("planned", "二", "二是建立台账"),
                   ("done", None, "已补齐材料")]


def test_extractors_measures_plain_body_is_one_step():
    assert measures("3.关于“车辆管理松散”问题的整改。安装定位系统，修订派车制度。") == \
        [("unspecified", None, "安装定位系统，修订派车制度")]


def test_extractors_measures_units_responsible():
    d = doc_of("1.关于“信息不通”问题的整改。建立联席机制，由县委办公室牵头。牵头单位:县委组织部",
               ["metadata", "problems", "measures"])
    assert [(r, s.text) for r, s in d.facts["measures"][0].units] == \
        [("lead", "县委组织部"), ("lead", "县委办公室")]


# --- policies -------------------------------------------------------------------------------

def policies(text):
    return [(m.text, m.attrs["type"], m.attrs["is_policy"], m.attrs.get("draft"), m.attrs.get("action"))
            for m in doc_of(text, ["policies"]).facts["policies"]]


def test_extractors_policies_types_and_actions():
    got = policies("严格执行《某省党政机关公务用车管理办法》，制定《某县采购内部控制制度(征求意见稿)》。")
    assert got == [("某省党政机关公务用车管理办法", "Measures", True, None, "applies"),
                   ("某县采购内部控制制度(征求意见稿)", "System", True, "ConsultationDraft", "makes")]


def test_extractors_policies_nested_titles():
    got = policies("印发《关于贯彻〈某某工作条例〉的实施办法》")
    assert [g[0] for g in got] == ["关于贯彻〈某某工作条例〉的实施办法", "某某工作条例"]


@pytest.mark.parametrize("title, typ, is_policy", [
    ("某某新闻联播", "Broadcast", False), ("党建研究", "Publication", False),
    ("干部基本信息审核表", "Form", False), ("廉洁承诺书", "Letter", False),
    ("某县巡察工作要点", "WorkReport", True), ("某某实施细则", "DetailedRules", True),
])
def test_extractors_policies_non_policies_are_typed(title, typ, is_policy):
    assert policies(f"观看《{title}》")[0][1:3] == (typ, is_policy)


def test_extractors_policies_unbalanced_bracket_is_skipped():
    assert policies("《未闭合的标题，正文继续\n下一行") == []


# --- organisations --------------------------------------------------------------------------

def orgs(text):
    return [m.attrs.get("name", m.text) for m in doc_of(text, ["metadata", "organisations"]).facts["organisations"]]


def test_extractors_organisations_level_prefixed_names():
    assert orgs("会同县委组织部、县财政局开展检查，县纪委监委全程监督。") == ["县委组织部", "县财政局", "县纪委监委"]


def test_extractors_organisations_full_name_with_place():
    assert orgs("平阳县委政法委高度重视。") == ["平阳县委政法委"]


def test_extractors_organisations_abbreviation_is_an_alias():
    d = doc_of("对中共平阳县委政法委员会(以下简称“县委政法委”)进行了巡察。", ["metadata", "organisations"])
    short = [m for m in d.facts["organisations"] if "alias_of" in m.attrs]
    assert [(m.text, m.attrs["alias_of"]) for m in short] == [("县委政法委", "中共平阳县委政法委员会")]


def test_extractors_organisations_coordinated_levels():
    assert orgs("根据省、市、县委部署") == ["省委", "市委", "县委"]


@pytest.mark.parametrize("text", ["统一部署，加强干部管理，优化格局。", "完善办法，落实组长责任。", "纳入区委考核"])
def test_extractors_organisations_words_that_are_not_bodies(text):
    assert orgs(text) in ([], ["区委"])


def test_extractors_organisations_strong_head_without_level():
    assert orgs("成立巡察整改工作领导小组，统筹推进。") == ["巡察整改工作领导小组"]


# --- people, contacts, quantities, concepts ------------------------------------------------

def test_extractors_people_post_and_name():
    d = doc_of("成立以县委书记王建国同志为组长、县委副书记、县长李明同志为副组长的领导小组。", ["people"])
    assert [(m.text, m.attrs.get("post")) for m in d.facts["people"]] == \
        [("王建国", "县委书记"), ("李明", "县委副书记、县长")]


def test_extractors_people_byline_and_implausible_names():
    d = doc_of("（来源：某县融媒体中心）\n编辑 周晓 审核 领导", ["people"])
    assert [m.text for m in d.facts["people"]] == ["周晓"]


def test_extractors_contacts_phone_email_address():
    d = doc_of("欢迎监督。联系电话：0577-12345678；通讯地址：某县某路8号县委巡察办；电子邮箱：xc@example.gov.cn。",
               ["contacts"])
    c = {k: v.text for k, v in d.facts["contacts"].items()}
    assert c == {"phone": "0577-12345678", "address": "某县某路8号县委巡察办", "email": "xc@example.gov.cn"}


def test_extractors_quantities_normalise_units():
    d = doc_of("涉及金额1.5亿元，占比12.5%，整改资金300万元。", ["quantities"])
    assert [(q.attrs["value"], q.attrs["unit"]) for q in d.facts["quantities"]] == \
        [(150000000.0, "元"), (0.125, "%"), (3000000.0, "元")]


def test_extractors_concepts_short_quotes_not_problem_titles():
    d = doc_of("1.关于“学习不够深入”问题的整改。树牢“四个意识”，落实“三会一课”。",
               ["metadata", "problems", "concepts"])
    assert [m.text for m in d.facts["concepts"]] == ["四个意识", "三会一课"]


# --- consistency ----------------------------------------------------------------------------

def test_extractors_consistency_flags_stated_vs_listed():
    d = doc_of("（一）已整改完成的问题\n共计3个问题已整改完成。\n1.关于“甲”问题的整改。\n2.关于“乙”问题的整改。",
               ["metadata", "counts", "problems", "consistency"])
    assert [(f["kind"], f["stated"], f["listed"]) for f in d.facts["findings"]] == [("completed", 3, 2)]


def test_extractors_consistency_silent_when_it_adds_up():
    d = doc_of("（一）已整改完成的问题\n共计2个问题已整改完成。\n1.关于“甲”问题的整改。\n2.关于“乙”问题的整改。",
               ["metadata", "counts", "problems", "consistency"])
    assert d.facts["findings"] == []


@pytest.mark.parametrize("text, expected", [
    ("加强县管干部和党员干部管理。", []),                                    # 干部 is cadres, not a body
    ("优化发展格局，统一部署。", []),                                        # 格局, 部署
    ("县委县政府高度重视。", ["县委", "县政府"]),                             # a pair without separator
    ("各级党委(党组)切实履责。", []),                                        # unmatched bracket, bare head
    ("针对中央、省督导组反馈的问题", ["中央督导组", "省督导组"]),             # coordinated levels
    ("送交商务部、公安部审核。", ["商务部", "公安部"]),                       # national ministries
    ("学习《中共中央政治局关于某事的规定》", []),                             # names inside a title are the title's
    ("由县委办公室牵头，县委召开常委会研究。", ["县委办公室", "县委"]),          # a verb ends the clause before a head
    ("机关纪委开展检查，基层治理科配合。", ["机关纪委", "基层治理科"]),         # strong heads without a level
])
def test_extractors_organisations_grammar_rules(text, expected):
    assert orgs(text) == expected


def test_extractors_organisations_pronouns_point_at_the_issuer():
    from kg.resolve import resolve

    d = doc_of("我委高度重视，委机关办公室牵头整改，本委全体干部参加。\n中共平阳县委政法委员会\n2022年5月1日",
               ["metadata", "organisations"])
    res = resolve(d)
    issuer = res.organisations[res.org("中共平阳县委政法委员会")]
    assert {sp.text for sp in issuer.mentions} >= {"我委", "本委"}
    assert "我委" not in issuer.labels and "委机关办公室" in {m.text for m in d.facts["organisations"]}


@pytest.mark.parametrize("text, expected", [
    ("明确责任科室和业务科室。", []),                                          # 科室 is an office, not a named 科
    ("要求相关业务处理到位，涉及基层治理科的合同。", ["基层治理科"]),             # 要|求, 涉|及 are verbs
    ("驻县委办纪检监察组开展监督。", ["驻县委办纪检监察组"]),                  # 驻 belongs to the name
    ("根据省市场监管局要求", ["省市场监管局"]),                                # 市场 is not a place
])
def test_extractors_organisations_boundary_words(text, expected):
    assert orgs(text) == expected


def test_resolve_national_abbreviation_meets_full_name():
    from kg.resolve import org_key

    assert org_key("中纪委", "平阳县") == org_key("中央纪委", "温州市") == "national|中央纪委"


@pytest.mark.parametrize("text, title", [
    ("根据县委统一部署，开展了巡察。\n一、整改工作组织情况\n正文。", None),      # a heading is not a title
    ("东莞某某网\n\n某县关于巡察整改\n情况的通报\n来源：某办\n正文。", "某县关于巡察整改\n情况的通报"),
])
def test_extractors_metadata_title_stands_above_the_body(text, title):
    t = doc_of(text, ["metadata"]).facts["meta"]["title"]
    assert (t.text if t else None) == title


@pytest.mark.parametrize("text, expected", [
    ("由信息化和网格管理指导科负责。", ["信息化和网格管理指导科"]),           # 和 inside one body
    ("会同县委组织部和县财政局检查。", ["县委组织部", "县财政局"]),            # 和 between two bodies
    ("与未来城市研究院签约。", ["未来城市研究院"]),
    ("各区(市)纪委监委加强监督。", []),                                      # a class of bodies, not one
])
def test_extractors_organisations_joined_names(text, expected):
    assert orgs(text) == expected


def test_resolve_generic_team_reference_is_the_inspection_team():
    from kg.resolve import resolve

    d = doc_of("根据省委统一部署，省委第三巡视组于2022年3月1日至4月30日对平阳县开展了巡视。省委巡视组反馈的问题全部整改。",
               ["metadata", "inspection", "organisations"])
    res = resolve(d)
    team = res.organisations[res.org("省委第三巡视组")]
    assert "省委巡视组" in team.labels and res.org("省委巡视组") == res.org("省委第三巡视组")
