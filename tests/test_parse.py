"""The news parser: every convention of issue #3 §1 as a table of short hand-written cases."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docexport.data import Article, Author, Byline, Dateline, Failure
from docexport.parse import (
    extract_byline,
    extract_dateline,
    extract_paragraphs,
    extract_subtitle,
    extract_title,
    is_credit_line,
    parse_article,
)

# A hand-made simplified, repaired excerpt of seeds/000_6cb851ef0d431e0c.txt.
SEED_CLEAN = "\n".join(
    [
        "杨林兴：精准防控严防死守 坚决打赢疫情防控阻击战攻坚战持久战",
        "市委应对新冠肺炎疫情工作领导小组召开会议 余先河主持 鞠丽出席",
        "11月5日下午，市委应对新冠肺炎疫情工作领导小组召开会议，传达党中央、国务院和省委、"
        "省政府近期疫情防控有关会议精神，安排部署泸州市下一阶段疫情防控工作。市委书记、领导小组"
        "组长杨林兴出席会议并讲话。市委副书记、市长、领导小组组长余先河主持会议，市委副书记、"
        "领导小组副组长鞠丽出席会议。",
        "要及时发布涉疫相关信息，主动回应群众关切。广大党员要发挥先锋模范作用，引导广大市民、"
        "群众严格遵守疫情防控规定。对落实防控要求不严格的单位和个人要依纪依规严肃处理。",
        "相关市领导等参加会议。",
        "泸州日报记者 朱虹",
    ]
)


def test_seed_parses_as_issue_3_expects() -> None:
    article = parse_article(SEED_CLEAN)
    assert isinstance(article, Article)
    assert article.title == "杨林兴：精准防控严防死守 坚决打赢疫情防控阻击战攻坚战持久战"
    assert article.subtitle == "市委应对新冠肺炎疫情工作领导小组召开会议 余先河主持 鞠丽出席"
    assert article.dateline == Dateline(raw="11月5日下午", month=11, day=5, time_of_day="下午")
    assert article.byline == Byline(
        raw="泸州日报记者 朱虹", outlet="泸州日报", authors=(Author("朱虹", "记者"),)
    )
    assert len(article.paragraphs) == 3
    assert article.paragraphs[-1] == "相关市领导等参加会议。"
    assert article.lines == tuple(SEED_CLEAN.split("\n"))


@pytest.mark.parametrize(
    ("paragraph", "year", "expected"),
    [
        ("11月5日下午，市委召开会议。", None, Dateline("11月5日下午", None, 11, 5, None, "下午")),
        (
            "本报北京1月15日讯 今天，会议开幕。",
            None,
            Dateline("本报北京1月15日讯", None, 1, 15, None, None, "北京"),
        ),
        (
            "新华社北京1月15日电 今天。",
            1998,
            Dateline("新华社北京1月15日电", 1998, 1, 15, "1998-01-15", None, "北京"),
        ),
        (
            "新华社华盛顿十二月三十一日电 今天。",
            None,
            Dateline("新华社华盛顿十二月三十一日电", None, 12, 31, None, None, "华盛顿"),
        ),
        # Radio and web outlets say 消息 (news) where wires say 电 (Sogou's news dumps).
        (
            "中广网唐山6月12日消息（记者汤一亮　庄胜春）据中国之声报道。",
            2012,
            Dateline("中广网唐山6月12日消息", 2012, 6, 12, "2012-06-12", None, "唐山"),
        ),
        ("1998年1月15日，大会开幕。", None, Dateline("1998年1月15日", 1998, 1, 15, "1998-01-15")),
        (
            "（一九九七年十二月三十一日）",
            None,
            Dateline("（一九九七年十二月三十一日）", 1997, 12, 31, "1997-12-31"),
        ),
        # The text's own year wins over the year passed in.
        (
            "2020年2月3日晚，会议。",
            1998,
            Dateline("2020年2月3日晚", 2020, 2, 3, "2020-02-03", "晚"),
        ),
        # A year passed in that makes no real date gives no ISO date, never an invented one.
        ("2月30日上午，开会。", 1998, Dateline("2月30日上午", 1998, 2, 30, None, "上午")),
        # A date right after 本报讯 or an outlet's 讯 (PD 19980105-08-003; Sogou).
        ("本报讯1月3日，擂台赛重新开赛。", 1998, Dateline("1月3日", 1998, 1, 3, "1998-01-03")),
        ("本报讯一月八日是春运的第一天。", None, Dateline("一月八日", None, 1, 8)),
        ("南方日报讯 6月12日晚，广州开会。", None, Dateline("6月12日晚", None, 6, 12, None, "晚")),
    ],
)
def test_datelines(paragraph: str, year: int | None, expected: Dateline) -> None:
    assert extract_dateline(paragraph, year=year) == expected


@pytest.mark.parametrize(
    "paragraph",
    [
        "会议于11月5日下午召开。",  # a date inside the sentence is no dateline
        "1997年，是中国发展历史上非常重要的一年。",  # a year alone is no date
        "13月5日，不存在的日子。",  # no such month
        "本报讯 今天，会议开幕。",  # a paper's dateline without a date
        "本报讯 记者薛原报道：在1月7日进行的比赛中。",  # the date is inside the sentence
        "移动通讯1月起涨价。",  # 讯 inside a word, and no day
        "日本《读卖新闻》6月6日消息称，巡逻船确认。",  # a paper quoted, not one filing
        "",
    ],
)
def test_no_dateline(paragraph: str) -> None:
    assert extract_dateline(paragraph, year=1998) is None


@pytest.mark.parametrize(
    ("line", "outlet", "authors"),
    [
        ("泸州日报记者 朱虹", "泸州日报", (("朱虹", "记者"),)),
        ("本报记者 张三 李四", None, (("张三", "记者"), ("李四", "记者"))),
        ("（记者 张三 通讯员 李四）", None, (("张三", "记者"), ("李四", "通讯员"))),
        ("新华社记者 王言彬、韩振军", "新华社", (("王言彬", "记者"), ("韩振军", "记者"))),
        ("（责任编辑：王小明）", None, (("王小明", "责任编辑"),)),
        ("来源：新华社", "新华社", ()),
        ("编辑 刘芳", None, (("刘芳", "编辑"),)),
        ("摄影 陈东", None, (("陈东", "摄影"),)),
        ("（新华社记者樊如钧摄）", "新华社", (("樊如钧", "记者"),)),
        ("文/张三 图/李四", None, (("张三", "文"), ("李四", "图"))),
        ("記者吳銘峯／台北報導", None, (("吳銘峯", "記者"),)),
        ("（責任編輯：陳大文）", None, (("陳大文", "責任編輯"),)),
        ("本报驻美国记者李云飞", None, (("李云飞", "记者"),)),
        # Names run together without a space, when they split one way only (PD days 1-15).
        ("本报记者王锦鹄毛磊", None, (("王锦鹄", "记者"), ("毛磊", "记者"))),
        (
            "中国国防报记者黄运成新华社记者贾永黄秋生",
            "中国国防报",
            (("黄运成", "记者"), ("贾永", "记者"), ("黄秋生", "记者")),
        ),
        # Surnames common in Taiwan (and the mainland's top 100) the table once lacked.
        ("记者赖文萱／台北报导", None, (("赖文萱", "记者"),)),
        ("記者洪圣壹／巴黎報導", None, (("洪圣壹", "記者"),)),
        ("记者傅家妤／综合报导", None, (("傅家妤", "记者"),)),
        ("記者簡宏偉／台北報導", None, (("簡宏偉", "記者"),)),
    ],
)
def test_credit_lines(line: str, outlet: str | None, authors: tuple[tuple[str, str], ...]) -> None:
    assert is_credit_line(line)
    byline = extract_byline(["标题", "正文第一段。", line])
    assert byline is not None
    assert byline.raw == line
    assert byline.outlet == outlet
    assert byline.authors == tuple(Author(name, role) for name, role in authors)
    assert extract_paragraphs(["标题", "正文第一段。", line]) == ("正文第一段。",)


@pytest.mark.parametrize(
    "line",
    [
        "记者从市政府获悉，全市经济运行平稳。",  # body text that mentions a reporter
        "张三说，他当了十年记者。",  # body text that opens with a name
        "摄影 展览开幕",  # a role word followed by a non-name
        "编辑部的同志们辛苦了",  # a role word starting a longer word
        "记者节",
        "市委书记杨林兴出席会议并讲话。",
        "本报记者张文华李明",  # runs together two ways (张文华 李明, 张文 华李明): not split
        "（姜伟尚占摄影报道）",  # 报道 is no name, and nothing is left of one
    ],
)
def test_body_lines_are_not_credits(line: str) -> None:
    assert not is_credit_line(line)
    assert extract_paragraphs(["标题", line]) == (line,)


@pytest.mark.parametrize(
    ("paragraph", "outlet", "authors"),
    [
        (  # the wire's reporters: the dateline names the outlet the credits do not
            "新华社北京1月15日电（记者 张三 通讯员 李四）今天，会议开幕。",
            "新华社",
            (("张三", "记者"), ("李四", "通讯员")),
        ),
        ("本报北京1月3日电（记者 王五）今天，大桥通车。", None, (("王五", "记者"),)),
        (
            "本报北京12月31日讯新华社记者陈雁、本报记者何加正报道：今晚举行音乐会。",
            "新华社",
            (("陈雁", "记者"), ("何加正", "记者")),
        ),
        ("本报讯（记者 王五）昨天，大桥通车。", None, (("王五", "记者"),)),
        # Any outlet's 讯, as mainland web news opens a story (Sogou's dumps).
        (
            "南方日报讯　（记者／黄少宏　实习生／朱子煜）“学习台北垃圾分类模式”要全面铺开。",
            "南方日报",
            (("黄少宏", "记者"), ("朱子煜", "实习生")),
        ),
        (
            "【深圳商报讯】（记者　肖怀礼）记者昨天从市市场监管局了解到此事。",
            "深圳商报",
            (("肖怀礼", "记者"),),
        ),
        (
            "南都讯　记者刘凡　周昌和　继推出日票后，深圳今后将设地铁头等车厢。",
            "南都",
            (("刘凡", "记者"), ("周昌和", "记者")),
        ),
        ("記者吳銘峯／台北報導網拍女模小琳日前遭尾隨。", None, (("吳銘峯", "記者"),)),
        ("深圳一家公司推出新产品。（唐纯）", None, (("唐纯", None),)),
    ],
)
def test_credits_inside_the_body(
    paragraph: str, outlet: str | None, authors: tuple[tuple[str, str | None], ...]
) -> None:
    article = parse_article(f"标题\n{paragraph}")
    assert isinstance(article, Article)
    assert article.byline is not None
    assert article.byline.outlet == outlet
    assert article.byline.authors == tuple(Author(name, role) for name, role in authors)
    assert article.paragraphs == (paragraph,)  # a credit inside a paragraph keeps it a paragraph


@pytest.mark.parametrize(
    ("lines", "authors"),
    [
        (["评论标题", "黄建林", "正文第一段。"], ("黄建林",)),  # an author under the title
        (["标题", "正文第一段。", "吕志贵 王立成"], ("吕志贵", "王立成")),  # authors last
    ],
)
def test_bare_name_lines_are_credits(lines: list[str], authors: tuple[str, ...]) -> None:
    article = parse_article("\n".join(lines))
    assert isinstance(article, Article)
    assert article.byline is not None
    assert article.byline.authors == tuple(Author(name) for name in authors)
    assert article.paragraphs == ("正文第一段。",)
    assert article.subtitle is None


def test_name_like_line_in_the_middle_is_body() -> None:
    article = parse_article("标题\n第一段。\n黄建林\n第三段。")
    assert isinstance(article, Article)
    assert article.paragraphs == ("第一段。", "黄建林", "第三段。")
    assert article.byline is None


def test_four_characters_run_together_stay_one_name() -> None:
    """索朗罗布 is one Tibetan name, not 索朗 and 罗布: runs of four are never split."""
    byline = extract_byline(["标题", "正文。", "（新华社记者索朗罗布摄）"])
    assert byline is None or all(author.name != "索朗" for author in byline.authors)


@pytest.mark.parametrize(
    "paragraph",
    [
        "移动通讯公司（记者 张三）表示，新业务上线。",  # 讯 inside a word, no credit after it
        "本报讯 记者近日从市政府获悉，全市经济平稳。",  # 记者 opens a sentence, names nobody
        "南都讯　继推出日票后，深圳今后将设地铁头等车厢。",  # an outlet's 讯 and no credits
    ],
)
def test_no_credits_after_an_outlet_s_xun(paragraph: str) -> None:
    article = parse_article(f"标题\n{paragraph}")
    assert isinstance(article, Article)
    assert article.byline is None


def test_no_byline_in_plain_body() -> None:
    article = parse_article("标题\n记者从市政府获悉，全市经济运行平稳。\n张三说，他很高兴。")
    assert isinstance(article, Article)
    assert article.byline is None


@pytest.mark.parametrize(
    ("lines", "subtitle"),
    [
        (["标题", "副题一行 没有句号", "正文。"], "副题一行 没有句号"),
        (["标题", "引语一", "引语二", "正文。"], "引语一\n引语二"),
        (["标题", "正文第一句。", "正文第二句。"], None),  # sentences are body
        (["标题", "短短一行"], None),  # the only line after the title is the body
        (["标题", "11月5日下午", "正文。"], None),  # a dateline is not a deck
        (["标题", "同胞们、朋友们：", "正文。"], None),  # ends like a sentence
        (["标题", "本报记者 张三", "正文。"], None),  # a credit is not a deck
        # A numbered list opens the body (PD's photo pages: 1、大江截流展宏图, then its caption).
        (["标题", "1、大江截流展宏图", "1997年11月8日，截流。"], None),
        (["标题", "引语", "（一）总体要求", "正文。"], "引语"),
        (["标题", "一、指导思想", "正文。"], None),
        (["标题", "①坚持改革", "正文。"], None),
        (["标题", "2.坚持开放", "正文。"], None),
        (["标题", "2012年的变化", "正文。"], "2012年的变化"),  # a year is no list number
    ],
)
def test_subtitles(lines: list[str], subtitle: str | None) -> None:
    assert extract_subtitle(lines) == subtitle


def test_title_is_first_non_empty_line() -> None:
    article = parse_article("\n\n  北京举行新年音乐会  \n\n今晚，音乐会举行。\n")
    assert isinstance(article, Article)
    assert article.title == extract_title(["北京举行新年音乐会"]) == "北京举行新年音乐会"
    assert article.lines == ("北京举行新年音乐会", "今晚，音乐会举行。")


def test_one_paragraph_brief_has_no_title_but_a_body() -> None:
    brief = "本报讯截至1997年底，新疆航空公司已安全飞行42年无事故，创造了全国安全飞行的先进纪录。"
    article = parse_article(brief * 2)
    assert isinstance(article, Article)
    assert article.title == ""
    assert article.paragraphs == (brief * 2,)


def test_a_brief_of_several_paragraphs_has_no_title_and_keeps_its_dateline_and_byline() -> None:
    """People's Daily prints multi-paragraph briefs without a headline (19980111-02-017): the
    first line is the first paragraph, with the dateline and byline it opens with."""
    first = "新华社长春1月10日电（记者李亚彪）吉林省长春市人大今天选举张明远为市人大常委会主任。"
    second = "政协长春市第九届委员会第一次全体会议1月8日选举张绪明为长春市政协主席。"
    article = parse_article(f"{first}\n{second}")
    assert isinstance(article, Article)
    assert article.title == ""
    assert article.subtitle is None
    assert article.paragraphs == (first, second)
    assert article.dateline is not None
    assert (article.dateline.raw, article.dateline.place) == ("新华社长春1月10日电", "长春")
    assert article.byline is not None
    assert article.byline.authors == (Author("李亚彪", "记者"),)


@pytest.mark.parametrize(
    ("lines", "paragraphs"),
    [
        (["本报讯 武警某农场生产不忘执勤", "该农场抓好农业生产。", "（责任编辑：王五）"], 2),
        (["美加边境大门。门楣上的题字是：同一母亲的孩子（图片）", "（陆治摄）"], 2),
        (["据新华社北京一月六日电 钱其琛今天会见了外宾", "双方就两国关系交换了意见。"], 2),
    ],
    ids=["paper-news", "full-stop", "wire-dateline"],
)
def test_a_first_line_that_opens_the_body_is_not_a_title(lines: list[str], paragraphs: int) -> None:
    article = parse_article("\n".join(lines))
    assert isinstance(article, Article)
    assert article.title == ""
    assert extract_title(lines) is None
    assert article.paragraphs == tuple(lines[:paragraphs])


@pytest.mark.parametrize(
    "title",
    [
        "奧迪RS 5 Sportback正式亮相！四門設定、 0－100加速僅需3.9秒",  # ETtoday: ！ and a decimal
        "谁来保护消费者？",
        "新华社记者：春运首日见闻",  # names the agency but is no dateline
    ],
)
def test_headlines_with_other_punctuation_stay_titles(title: str) -> None:
    article = parse_article(f"{title}\n正文第一段。")
    assert isinstance(article, Article)
    assert article.title == title


def test_a_name_line_right_after_a_brief_opening_is_body_text() -> None:
    """A bare-name line under the title is PD's author line; with no title it is body text."""
    article = parse_article("本报讯 市里召开会议。\n张三\n会议决定了几件事。")
    assert isinstance(article, Article)
    assert article.paragraphs == ("本报讯 市里召开会议。", "张三", "会议决定了几件事。")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        (" \n\u3000\n", "empty"),
        ("只有标题", "no_body"),
        ("标题\n本报记者 张三\n（责任编辑：李四）", "no_body"),
    ],
)
def test_failures(text: str, reason: str) -> None:
    result = parse_article(text)
    assert isinstance(result, Failure)
    assert result.reason == reason
    assert result.detail


def test_year_option_fills_the_date_only() -> None:
    article = parse_article("标题\n11月5日下午，开会。", year=2021)
    assert isinstance(article, Article)
    assert article.dateline is not None
    assert (article.dateline.year, article.dateline.date) == (2021, "2021-11-05")


NEWSY_TEXT = st.text(
    alphabet=st.sampled_from(
        list("标题记者本报新华社北京月日年电讯（）()：:，。、 \n\u3000")
        + list("朱虹张三李四一二十0123456789▲／摄报道")
    ),
    max_size=120,
)


@settings(max_examples=300, deadline=None)
@given(NEWSY_TEXT, st.booleans())
def test_parse_is_total_and_keeps_every_line(text: str, titled: bool) -> None:
    """Any text gives an Article or a Failure, never an exception, and no line is lost; a
    title the source named is always the title."""
    result = parse_article(text, titled=titled)
    expected_lines = tuple(line.strip() for line in text.split("\n") if line.strip())
    if isinstance(result, Failure):
        assert result.reason in {"empty", "no_body"}
        assert (result.reason == "empty") == (not expected_lines)
        return
    assert result.lines == expected_lines
    assert result.paragraphs
    assert set(result.paragraphs) <= set(result.lines)
    if result.title or titled:
        assert result.title == expected_lines[0]


def test_no_people_s_daily_title_is_a_paragraph(pd_dev_articles: list[Any]) -> None:
    """Over PD days 1-15 every title is a headline: short, no full stop. Before briefs of
    several paragraphs were recognised, 24 titles were their first paragraph (up to 177
    characters, with the dateline and byline inside)."""
    titles = []
    for article in pd_dev_articles:
        parsed = parse_article(article.text)
        if isinstance(parsed, Article):
            titles.append(parsed.title)
    assert len(titles) > 1400
    long_or_sentences = [t for t in titles if len(t) > 50 or "。" in t]
    assert long_or_sentences == []
    # The briefs are bodies: 190 of the 1,478 have no headline (166 of one line, 24 longer).
    assert titles.count("") == 190


def test_a_title_the_source_named_is_never_taken_for_body_text() -> None:
    article = parse_article("本报讯 全文完。\n正文第一段。", titled=True)
    assert isinstance(article, Article)
    assert (article.title, article.paragraphs) == ("本报讯 全文完。", ("正文第一段。",))


def test_a_named_title_with_no_body_is_no_body_not_a_brief() -> None:
    """Untitled, a lone sentence is a one-paragraph brief; a title the source named is a title,
    so a record with nothing else has no body (found by a property over titled inputs)."""
    assert isinstance(parse_article("今天天气很好，适合出行。"), Article)
    result = parse_article("今天天气很好，适合出行。", titled=True)
    assert isinstance(result, Failure)
    assert result.reason == "no_body"
    credited = parse_article("、\n华一", titled=True)
    assert isinstance(credited, Failure)
    assert credited.reason == "no_body"
