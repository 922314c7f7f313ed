"""The genre's shapes for report metadata, genre, stated counts and problems (issue 12).

One test per rule, each on a short snippet written for the rule (not cut from any sample or
gold-web page); names of places, bodies and people are invented.
"""
import pytest

from kg.doc import Doc
from kg.extractors import run
from kg.structure import parse


def doc_of(text, names=None):
    d = Doc(source="snippet.txt", sha256="cd" * 32, text=text)
    parse(d)
    run(d, names)
    return d


def meta(text):
    return doc_of(text, ["metadata"]).facts["meta"]


def _t(x):
    return None if x is None else x.text


# --- title: page chrome is never the title ------------------------------------------------------

@pytest.mark.parametrize("text, title", [
    ("返回上一级\n\n字号\n\n打印\n\n某县民政局党组关于巡察整改进展情况的通报\n\n根据县委部署，开展了巡察。",
     "某县民政局党组关于巡察整改进展情况的通报"),
    ("无障碍版\n信息索引号：000-111-2222\n首页 > 政务公开 > 审计\n关于某区2020年度审计查出问题整改情况的公告\n正文。",
     "关于某区2020年度审计查出问题整改情况的公告"),
    ("选择语言\n详细介绍\n某市2021年度绩效审计查出问题整改情况的报告\n正文。",
     "某市2021年度绩效审计查出问题整改情况的报告"),
    ("文件名称：某局关于巡察整改情况的通报\n成文时间：2022年5月6日\n正文。", "某局关于巡察整改情况的通报"),
    ("• 信息索引号:\n\n    0001/2023-1\n\n  • 文件名称:\n\n    某局党组关于巡察整改情况的通报\n\n  • 公开方式:\n\n"
     "    主动公开\n正文。", "某局党组关于巡察整改情况的通报"),                       # a field's value on the next line
    ("国内统一刊号:CN00-0000 某某日报社出版\n\n2020年08月04日\n\n某县深化专项巡察\n\n本报讯 正文。", "某县深化专项巡察"),
])
def test_metadata_title_skips_page_chrome(text, title):
    assert _t(meta(text)["title"]) == title


def test_metadata_title_without_its_site_suffix_trailing_date_or_meeting_line():
    m = meta("> 某学院召开巡察整改推进会-某某大学党委巡察办\n正文。")
    assert (_t(m["title"]), _t(m["issuer"])) == ("某学院召开巡察整改推进会", "某某大学党委巡察办")
    m = meta("某县财政局党组关于巡察整改进展情况的通报 2024-03-05\n\n根据县委部署。")
    assert (_t(m["title"]), m["date"].iso) == ("某县财政局党组关于巡察整改进展情况的通报", "2024-03-05")


# --- issuer ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, issuer", [
    ("某区开展巡察整改督查\n来源:某区委巡察办发布时间:2020-05-06 10:00:00\n正文。", "某区委巡察办"),
    ("某事\n2021年04月21日07:25  来源:某某网-某某日报\n正文。", "某某日报"),
    ("某事\n发布日期:2023-03-22文章来源:某城网\n正文。", "某城网"),
    ("某事\n发布时间：2023-03-22 来源：本网\n正文。", None),
    ("某事\n来源：abc123\n正文。", None),
    ("  • 发布机构:\n\n    某区文旅局\n\n  • 成文日期:\n\n    2023-05-04\n正文。", "某区文旅局"),   # value on the next line
    ("某事\n发布日期：2023年1月5日来源：某某网\n正文。", "某某网"),
    ("某事\n正文。经核查，线索来源：县纪委。资金来源：县财政局。", None),     # fields of the body, not of the page
    ("某某在线5月8日讯（记者 甲乙）5月7日，记者了解到，巡察组进驻以来……", "某某在线"),
    ("某某网北城6月15日讯(某某日报记者王某)今天下午，召开新闻发布会。", "某某网"),
    ("本报讯 近日，某镇针对审计发现的问题抓好整改。", None),
    ("新华社北京7月1日电 某某工作会议召开。", "新华社"),
    ("【中新社北京十二月三日电】根据中共中央部署，巡视反馈工作近日完成。", "中新社"),
    ("某某网北京11月10日消息(记者王某)据报道，巡视反馈情况已全部公布。", "某某网"),
    ("巡察组进驻某局开展巡察。\n举报电话：0000-1234567\n通报电子邮箱：x@example.cn", None),
    ("某镇启动巡察工作\n5月14日，召开动员会。巡察组将进驻。(某县政府网)\n页:\n[1]", "某县政府网"),
])
def test_metadata_issuer_from_fields_datelines_and_closing_brackets(text, issuer):
    assert _t(meta(text)["issuer"]) == issuer


def test_metadata_masthead_line_gives_paper_and_date():
    m = meta("查纠整改动员\n\n某市检察院召开查纠整改动员会\n某某日报 2021年04月10日\n\n本报4月9日讯 今天上午……")
    assert (_t(m["issuer"]), m["date"].iso) == ("某某日报", "2021-04-10")


# --- date -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, iso", [
    ("某事\n\n2020年07月09日09:06  来源:某某网\n正文。", "2020-07-09"),           # timestamp opening the 来源 line
    ("某事\n2020年07月09日 09:06\n来源：某某网\n正文。", "2020-07-09"),            # bare timestamp line before 来源
    ("某局关于巡察整改情况的通报\n成文时间：2022年5月6日\n正文。", "2022-05-06"),
    ("某局关于巡察整改情况的通报\n发文时间：2022-05-06\n正文。", "2022-05-06"),
    ("某市2021年度审计查出问题整改情况的报告——2022年6月在某市人大常委会第十次会议上\n正文。", "2022-06"),
    ("关于某区2020年度审计查出问题整改情况的报告\n——2021年8月26日在某区十届人大常委会第三次会议上\n正文。",
     "2021-08-26"),
    ("关于年度审计查出问题整改情况的报告\n——年11月27日在省人大常委会第三十三次会议上\n正文。", None),
    ("某事\n5月8日，召开会议。", None),                                          # no year: silence, not a guess
    ("  • 成文日期:\n\n    2023-05-04\n正文。", "2023-05-04"),
    ("关于某区审计查出问题整改情况的报告\n--2021年12月28日在区人大常委会会议\n正文。", "2021-12-28"),
    ("2018年11月22日在某市十七届人大常委会第十六次会议上\n市审计局局长 某某\n主任、各位副主任：\n正文。", "2018-11-22"),
    ("某区推进审计整改\n2021年5月20日在区人大常委会第六次会议上，区审计局作了报告。", None),   # a meeting a news item reports
    ("某报社出版\n\n2020年08月04日 星期二\n\n某县深化专项巡察\n\n本报讯 正文。", "2020-08-04"),   # a bare date line above the body
])
def test_metadata_report_date_shapes(text, iso):
    d = meta(text)["date"]
    assert (d.iso if d else None) == iso


def test_metadata_month_only_date_is_written_as_gyearmonth():
    from kg.rdf import xsd_date

    assert "XMLSchema#gYearMonth" in xsd_date("2022-06") and "XMLSchema#date" in xsd_date("2022-06-01")


# --- genre ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, genre", [
    # news of a round: entry, mobilisation, feedback, a review, others' lists published
    ("3月2日，市委第一巡察组向某中学党委反馈巡察情况。组长指出问题，要求抓好巡察整改。", "inspection-news"),
    ("某镇启动第一轮巡察工作\n5月14日，召开动员部署会。", "inspection-news"),
    ("某委巡察工作领导小组听取巡察工作情况汇报\n会议要求抓好巡察整改。", "inspection-news"),
    ("某轮巡视整改进展情况开始公布\n本报讯 某网站向社会公布了巡视整改进展情况。", "inspection-news"),
    ("根据县委统一部署，县委三个巡察组对某局开展了常规巡察，共发现问题30个。", "inspection-news"),
    ("“问题改了没有？”这是在某县书记会上的一幕。\n根据县委部署，县委巡察组对某镇开展了巡察。", "inspection-news"),
    # rectification: its own report, a supervision or return visit, practice
    ("根据县委部署，县委巡察组对某局开展了巡察，并反馈了意见。现将巡察整改进展情况予以公布。", "inspection-rectification"),
    ("某学院召开巡察整改情况通报会，通报了整改情况。", "inspection-rectification"),
    ("中共某局党组关于县委第三轮巡察反馈意见落实情况的通报\n根据县委部署，县委巡察组对某局开展了巡察。",
     "inspection-rectification"),
    ("根据县委部署，县委巡察组对某局开展了巡察。现将巡察反馈意见落实情况予以公布。", "inspection-rectification"),
    ("“整改以后有没有反弹？”3月2日，县纪委到某镇开展巡察反馈问题整改落实情况回访督查。", "inspection-rectification"),
    ("某区坚持巡察和整改一体推进，建立环环相扣的整改链条。", "inspection-rectification"),
    ("根据区委部署，区委组建4个巡察组开展常规巡察。截至目前，反馈问题已基本整改。现将整改进展情况向社会公开。",
     "inspection-rectification"),
    # a headline about an inspection that does not name its rectification
    ("某县深化专项巡察护航乡村振兴\n本报讯 巡察开展以来，发现问题24个，整改问题24个。", "inspection-news"),
    # other families
    ("某院召开审计整改工作推进会，研究审计发现问题整改。", "audit-rectification"),
    ("某院召开审计工作会议。", "other"),
    ("某县法院召开政法队伍教育整顿推进会。会议要求配合巡察整改。", "education-rectification"),
    ("某县举办丰收节，要求抓好安全整改。", "other"),
    ("为推动巡察整改落实，5月6日，市委第一巡察组向某局党组反馈巡察情况。", "inspection-news"),   # a purpose clause
])
def test_metadata_genre_of_the_page(text, genre):
    assert meta(text)["genre"] == genre


# --- stated counts --------------------------------------------------------------------------------

def counts(text):
    return {k: v for k, (v, _) in doc_of(text, ["counts"]).facts["counts"].items()}


@pytest.mark.parametrize("text, expected", [
    # the number after the noun, 项 as well as 个
    ("巡察期间共发现问题58个，其中移交立行立改问题9个。", {"problems": 58}),
    ("2020年审计查出问题共74项，截至年底已完成整改70项。", {"problems": 74, "completed": 70}),
    ("巡察组指出具体问题23个，其中20个已整改。", {"problems": 23, "completed": 20}),
    ("反馈意见中，问题共有12项。", {"problems": 12}),
    # M个方面N个问题: the total is N, however the aspects are counted
    ("督查发现被督查单位存在5个方面19个问题整改不够到位。", {"problems": 19}),
    ("反馈了制度执行不严、监管不力等6个方面14条具体问题。", {"problems": 14}),
    ("对该镇3大类9个方面17个问题进行了梳理。", {"problems": 17}),
    # Chinese numerals
    ("书记指出该院工作存在的三项不足。", {"problems": 3}),
    ("院长指出当前需要解决的两个问题。", {"problems": 2}),
    # the total, then the completed: 96项问题已完成整改90项
    ("审计发现的96项问题已完成整改90项。", {"problems": 96, "completed": 90}),
    # completed without 已; in progress as 需持续推进整改
    ("目前完成整改31个，其中需持续推进整改4项。", {"completed": 31, "in_progress": 4}),
    ("其中1项未完成整改、6项需要持续推进整改。", {"in_progress": 6}),
    ("截至5月底，共整改某类顽疾问题1200个。", {"completed": 1200}),
    ("出台30多项制度。", {"rules": 30}),
    ("建立健全相关管理制度15项。", {"rules": 15}),
    ("报告反映涉及4个方面、9个单位共计30项具体问题，报告日已整改24项，正在整改6项。",
     {"problems": 30, "completed": 24, "in_progress": 6}),
    ("巡察开展以来，发现问题247个，整改问题240个，移交问题线索18件。", {"problems": 247, "completed": 240}),
    ("共计25个问题已整改完成。", {"completed": 25}),
])
def test_counts_shapes_of_the_genre(text, expected):
    assert counts(text) == expected


@pytest.mark.parametrize("text", [
    # sub-totals after 其中 are never the total
    ("截至年底，大部分问题已整改。其中，财政审计查出的4个方面9个问题，已整改到位；专项审计查出的11个问题，均已整改。"),
    # tasks, clues, suggestions and groups are not problems
    ("主动领办5个重点问题整改任务。"),
    ("向纪委移交问题线索3件，提出意见建议26条。"),
    ("共转办线索5000条，已办结3100条。"),
    ("督导组已完成8个部门单位的督导工作，已整改3个村的台账。"),
    ("紧盯全面从严治党不力等三大问题。"),
])
def test_counts_not_a_total_of_problems(text):
    assert "problems" not in counts(text) and "completed" not in counts(text)


# --- problems: the long report's shapes -----------------------------------------------------------

def problems(text):
    return [(p.ordinal, p.title.text, p.category.text if p.category else None, p.status)
            for p in doc_of(text, ["metadata", "problems"]).facts["problems"]]


def test_problems_plain_numbered_sentence_answered_by_a_label():
    got = problems("二、整改落实情况\n（一）党的政治建设方面\n1.理论学习不够深入，学用结合不紧密。\n"
                   "整改情况：已完成。组织专题学习12次。\n"
                   "2.意识形态工作责任制落实不到位。整改措施：制定责任清单。整改进展：持续推进。")
    assert got == [("1", "理论学习不够深入，学用结合不紧密", "党的政治建设", "completed"),
                   ("2", "意识形态工作责任制落实不到位", "党的政治建设", "in_progress")]


@pytest.mark.parametrize("heading, category", [
    ("（一）党的政治建设方面存在的问题", "党的政治建设"),
    ("（一）关于作风建设方面的突出问题", "作风建设"),
    ("（一）在“选人用人不够规范”方面", "选人用人不够规范"),
    ("（一）已整改完成的问题", "已整改完成的问题"),
])
def test_problems_category_without_its_frame(heading, category):
    got = problems(f"{heading}\n1.会议记录不完整。\n整改情况：已补齐。")
    assert got == [("1", "会议记录不完整", category, "completed" if "已整改" in heading else "unknown")]


def test_problems_numbered_steps_with_labels_are_not_problems():
    assert problems("一、整改工作开展情况\n1.制定整改方案。完成情况：已完成。\n2.召开专题会议。整改情况：已召开3次。") == []


def test_problems_numbered_sentence_without_a_label_is_not_a_problem():
    assert problems("（一）加强组织领导\n1.成立工作专班。专班下设办公室。\n2.学习不够深入的问题得到解决。") == []


def test_problems_feedback_category_heading_over_its_items():
    got = problems("（一）反馈问题：落实主体责任不到位\n（1）党组研究全面从严治党工作不经常。\n"
                   "整改情况：已制定年度计划，已整改到位。\n（2）谈心谈话制度执行不严格。\n"
                   "（二）反馈问题：基层党建薄弱\n（1）支部组织生活不规范。")
    assert got == [("(1)", "党组研究全面从严治党工作不经常", "落实主体责任不到位", "completed"),
                   ("(2)", "谈心谈话制度执行不严格", "落实主体责任不到位", "unknown"),
                   ("(1)", "支部组织生活不规范", "基层党建薄弱", "unknown")]


def test_problems_labelled_problem_n():
    got = problems("一、存在问题及整改情况\n问题1：干部教育培训针对性不强。\n整改措施：制定培训计划。\n整改进展：已完成。\n"
                   "问题2：财务报销审核把关不严。\n整改措施：修订报销制度。\n整改进展：正在推进。")
    assert got == [("1", "干部教育培训针对性不强", None, "completed"),
                   ("2", "财务报销审核把关不严", None, "in_progress")]


def test_problems_bracketed_problem_and_measure_blocks():
    got = problems("1.【问题】村级财务公开不及时，群众监督渠道不畅。【整改措施】建立月度公开制度。【整改情况】已完成整改。\n"
                   "2.【问题】集体资产台账登记不全。【整改措施】全面清查登记。【整改情况】正在清查中。")
    assert got == [("1", "村级财务公开不及时，群众监督渠道不畅", None, "completed"),
                   ("2", "集体资产台账登记不全", None, "in_progress")]
    got = problems("【问题】村级财务公开不及时。\n【整改措施】建立月度公开制度。\n【问题】集体资产台账登记不全。\n【整改措施】全面清查。")
    assert got == [(None, "村级财务公开不及时", None, "unknown"), (None, "集体资产台账登记不全", None, "unknown")]


def test_problems_labelled_items_get_their_measures():
    d = doc_of("【问题】村级财务公开不及时。\n【整改措施】一是建立月度公开制度。二是设立公开栏。\n【问题】台账登记不全。\n"
               "【整改措施】全面清查登记。", ["metadata", "problems", "measures"])
    got = [(m.problem.title.text, m.label.text) for m in d.facts["measures"]]
    assert got == [("村级财务公开不及时", "一是建立月度公开制度"), ("村级财务公开不及时", "二是设立公开栏"),
                   ("台账登记不全", "全面清查登记")]


# --- problems named in running text ---------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("组长指出了巡察发现的主要问题：一是学习贯彻上级决策部署有差距；二是主体责任落实不够到位；三是干部队伍建设存在短板。",
     [("一", "学习贯彻上级决策部署有差距"), ("二", "主体责任落实不够到位"), ("三", "干部队伍建设存在短板")]),
    ("书记指出该院存在的两项不足，一是学习氛围不浓，压力传导不足，二是对整顿工作认识不够。",
     [("一", "学习氛围不浓，压力传导不足"), ("二", "对整顿工作认识不够")]),
    ("院长指出当前需要解决的两个问题。\n一是解决标准不明的问题。要加强学习。\n二是解决进度不平衡的问题。要加强督导。",
     [("一", "标准不明"), ("二", "进度不平衡")]),
])
def test_problems_inline_list_after_words_that_announce_problems(text, expected):
    assert [(o, t) for o, t, _, _ in problems(text)] == expected


def test_problems_inline_list_under_category_heads():
    got = problems("组长反馈了巡察情况。他指出，一是党的领导方面：议事规则执行不严；学习不够深入。"
                   "二是作风建设方面：会风文风不简。巡察组建议加强整改。")
    assert got == [(None, "议事规则执行不严", "党的领导", "unknown"), (None, "学习不够深入", "党的领导", "unknown"),
                   (None, "会风文风不简", "作风建设", "unknown")]


@pytest.mark.parametrize("text", [
    "组长提出了三点整改意见：一是提高政治站位；二是聚焦职能职责；三是压实整改责任。",        # suggestions
    "书记指出，一是要正确认识巡察工作；二是要放下包袱投入整改。",                          # requirements
    "针对巡察反馈的问题，一是加强理论学习；二是完善制度机制。",                            # measures
    "针对反馈问题制定整改措施：一是解决学习不深的问题；二是解决制度不全的问题。",          # measures, though worded as problems
    "会议指出，一是提高认识；二是加强领导。学习不够深入的问题要整改。",                    # no announcement, no shortcomings
    "党组决定突出四项任务。一是清除害群之马；二是整治顽瘴痼疾。",
])
def test_problems_inline_lists_that_are_not_problems(text):
    assert problems(text) == []


def test_problems_inline_lists_only_where_no_numbered_problems():
    got = problems("1.关于“学习不深”问题的整改。针对上述问题，一是学习不够深入；二是制度不健全。")
    assert [t for _, t, _, _ in got] == ["学习不深"]


@pytest.mark.parametrize("text, expected", [
    ("该社区“对困难群众关心不够，服务效果不明显”的整改，开通了服务热线。", ["对困难群众关心不够，服务效果不明显"]),
    ("对巡察中反馈到机关“庸懒散”的问题，开展暗访。", ["庸懒散"]),
    ("听取了有关“违规插手具体案件处理问题”和“干警违规从事经营活动、违规借贷”情况的汇报。",
     ["违规插手具体案件处理问题", "干警违规从事经营活动、违规借贷"]),
    ("着力解决群众“急难愁盼”问题，整治“四风”问题。", []),                  # slogans are not problems
    ("向8个党组织集中反馈“回头看”问题。", []),
    ("坚持“不怕痛、不信邪、不回避”的原则。", []),
])
def test_problems_quoted_in_passing(text, expected):
    assert [t for _, t, _, _ in problems(text)] == expected


@pytest.mark.parametrize("text, expected", [
    ("巡察发现的主要问题：（一）议事决策不规范；（二）财务管理不严格。", [("(一)", "议事决策不规范"), ("(二)", "财务管理不严格")]),
    ("巡察组指出存在的突出问题：\n1.学习贯彻不够深入。\n2.制度执行不到位。\n会议要求抓好整改。",
     [("1", "学习贯彻不够深入"), ("2", "制度执行不到位")]),
    ("反馈指出的问题主要有：一、主体责任落实不力；二、监督管理存在漏洞。", [("一", "主体责任落实不力"), ("二", "监督管理存在漏洞")]),
])
def test_problems_inline_lists_with_other_markers(text, expected):
    assert [(o, t) for o, t, _, _ in problems(text)] == expected
