"""Enrichment: one tagging pass gives tokens, persons/places/organisations and keywords."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docexport.data import Article, Author, Byline, Enrichment
from docexport.enrich import Enricher, find_persons
from docexport.errors import OptionError
from docexport.parse import parse_article

sys.path.insert(0, str(Path(__file__).resolve().parent / "benchmarks"))

import persons_f1
from test_parse import SEED_CLEAN


def article(*paragraphs: str, title: str = "标题", byline: Byline | None = None) -> Article:
    lines = (title, *paragraphs)
    return Article(title, None, None, byline, tuple(paragraphs), lines)


@pytest.fixture(scope="module")
def rjieba_enricher() -> Enricher:
    return Enricher()


@pytest.fixture(scope="module")
def jieba_enricher() -> Enricher:
    return Enricher("jieba")


@pytest.fixture(scope="module")
def seed_article() -> Article:
    parsed = parse_article(SEED_CLEAN)
    assert isinstance(parsed, Article)
    return parsed


def test_seed_persons_as_issue_3_expects(rjieba_enricher: Enricher, seed_article: Article) -> None:
    persons = rjieba_enricher.enrich(seed_article).persons
    assert {"杨林兴", "余先河", "鞠丽"} <= set(persons)
    assert "严格遵守" not in persons
    assert "严肃处理" not in persons
    assert persons[:3] == ("杨林兴", "余先河", "鞠丽")  # order of first appearance


def test_seed_tokens_are_the_body_only(rjieba_enricher: Enricher, seed_article: Article) -> None:
    tokens = rjieba_enricher.enrich(seed_article).tokens
    assert tokens is not None
    assert "".join(tokens) == "".join(seed_article.paragraphs).replace(" ", "")
    assert tokens[:5] == ("11", "月", "5", "日", "下午")
    assert "朱虹" not in tokens  # the byline line is not segmented


def test_engines_give_the_same_tokens_on_the_seed(
    rjieba_enricher: Enricher, jieba_enricher: Enricher, seed_article: Article
) -> None:
    fast = rjieba_enricher.enrich(seed_article)
    reference = jieba_enricher.enrich(seed_article)
    assert fast.tokens == reference.tokens
    assert {"杨林兴", "余先河", "鞠丽"} <= set(reference.persons)


def test_engines_give_the_same_tokens_on_people_s_daily(
    rjieba_enricher: Enricher, jieba_enricher: Enricher, pd_dev_articles: list
) -> None:
    sample = [persons_f1.as_article(a.text) for a in pd_dev_articles[:: len(pd_dev_articles) // 60]]
    assert len(sample) >= 60
    for item in sample:
        assert rjieba_enricher.enrich(item).tokens == jieba_enricher.enrich(item).tokens


def test_persons_f1_on_people_s_daily_dev_set(
    rjieba_enricher: Enricher, pd_dev_articles: list
) -> None:
    """Issue #3 asks for persons F1 >= 0.70 where raw nr tags score about 0.55."""
    enriched = [rjieba_enricher.enrich(persons_f1.as_article(a.text)) for a in pd_dev_articles]
    precision, recall, f1 = persons_f1.score(
        (e.persons, a.persons) for e, a in zip(enriched, pd_dev_articles, strict=True)
    )
    assert f1 >= 0.70, (precision, recall, f1)


@pytest.mark.parametrize(
    ("tagged", "persons"),
    [
        # A surname split from an unknown given name, vouched by a title or a cue verb.
        ([("市长", "n"), ("余", "m"), ("先河", "n"), ("主持会议", "n")], ["余先河"]),
        ([("、", "x"), ("余", "m"), ("先河", "n"), ("主持", "v")], ["余先河"]),
        # Without context the same tokens are an ordinary phrase.
        ([("开创", "v"), ("余", "m"), ("先河", "n")], []),
        # A surname character used as a conjunction or verb does not open a name.
        ([("工人", "n"), ("和", "c"), ("职工", "n"), ("发言", "v")], []),
        # A photographer's credit glued to 摄.
        ([("（", "x"), ("陈飞摄", "nr"), ("）", "x")], ["陈飞"]),
        # Place-like endings and foreign places are not names without a person's context.
        ([("在", "p"), ("尚义县", "nr"), ("，", "x")], []),
        ([("抵达", "v"), ("巴格达", "nr"), ("。", "x")], []),
        ([("总统", "n"), ("克林顿", "nr"), ("说", "v")], ["克林顿"]),
        # A function word glued after a name by the HMM.
        ([("施男遭", "nr"), ("起诉", "v")], []),
        # Dictionary words tagged nr are not names.
        ([("群众", "n"), ("严格遵守", "nr"), ("规定", "n")], []),
        ([("要", "v"), ("严肃处理", "nr"), ("。", "x")], []),
        # A surname and a given name both tagged nr are one name.
        ([("江", "nr"), ("泽民", "nr"), ("同志", "n")], ["江泽民"]),
        # A surname glued to a title is the surname.
        ([("周总理", "nr"), ("说", "v")], ["周"]),
        # jieba's dictionary calls 周恩来 a time word (周, week): a name only beside a title.
        ([("纪念", "v"), ("周恩来", "t"), ("总理", "n")], ["周恩来"]),
        ([("周恩来", "t"), ("诞辰", "n")], []),
        ([("元宵节", "t"), ("晚会", "n"), ("开始", "v")], []),
        ([("初一", "t"), ("主席", "n")], []),  # two characters: never
        # Transliterations with a middle dot, repeated names once.
        ([("威廉·佩里", "nrt"), ("和", "c"), ("威廉·佩里", "nrt")], ["威廉·佩里"]),
        # ... and as jieba cuts them: parts and a dot token, one part at least a name.
        ([("威廉", "nrt"), ("·", "x"), ("佩里", "nrt"), ("访问", "v")], ["威廉·佩里"]),
        ([("诺罗敦", "ns"), ("·", "x"), ("西哈努克", "nrt")], ["诺罗敦·西哈努克"]),
        (
            [("阿卜杜勒", "nrt"), ("·", "x"), ("阿齐兹", "nr"), ("·", "x"), ("本", "r")],
            ["阿卜杜勒·阿齐兹"],
        ),
        ([("《", "x"), ("史记", "n"), ("·", "x"), ("项羽", "nr"), ("本纪", "n")], ["项羽"]),
        ([("一二", "m"), ("·", "x"), ("九", "m"), ("运动", "vn")], []),
        ([("機會", "n"), ("‧", "x"), ("紅白", "nr"), ("配", "v")], []),  # not every part a name
        # First appearance order.
        (
            [("鞠丽", "nr"), ("、", "x"), ("杨林兴", "nr"), ("、", "x"), ("鞠丽", "nr")],
            ["鞠丽", "杨林兴"],
        ),
    ],
)
def test_find_persons(tagged: list[tuple[str, str]], persons: list[str]) -> None:
    assert find_persons(tagged, {}) == persons


def test_a_dotted_name_is_one_person_and_its_parts_no_places(rjieba_enricher: Enricher) -> None:
    result = rjieba_enricher.enrich(
        article("柬埔寨国王诺罗敦·西哈努克会见伊拉克副总理萨阿东·哈马迪。")
    )
    assert result.persons == ("诺罗敦·西哈努克", "萨阿东·哈马迪")
    assert "诺罗敦" not in result.places and "柬埔寨" in result.places


def test_byline_authors_are_persons(rjieba_enricher: Enricher) -> None:
    byline = Byline("本报记者 张三", None, (Author("张三", "记者"),))
    result = rjieba_enricher.enrich(article("市委书记杨林兴出席会议。", byline=byline))
    assert result.persons == ("杨林兴", "张三")


def test_places_organizations_keywords(rjieba_enricher: Enricher) -> None:
    result = rjieba_enricher.enrich(
        article("国务院在北京召开会议，部署防汛抗旱工作。防汛抗旱工作关系人民群众生命安全。")
    )
    assert "北京" in result.places
    assert "国务院" in result.organizations
    assert result.keywords[:2] == ("防汛", "抗旱")
    assert all(len(word) >= 2 for word in result.keywords)


def test_keywords_are_jieba_tf_idf(rjieba_enricher: Enricher, seed_article: Article) -> None:
    """The same top words, in the same order, as jieba.analyse.extract_tags on the same text."""
    import jieba.analyse

    text = "\n".join([seed_article.title, seed_article.subtitle or "", *seed_article.paragraphs])
    expected = tuple(jieba.analyse.extract_tags(text, topK=10))
    assert rjieba_enricher.enrich(seed_article).keywords == expected
    assert len(expected) == 10


def test_options_switch_tokens_and_keywords_off() -> None:
    quiet = Enricher(tokens=False, keywords=0)
    result = quiet.enrich(article("国务院在北京召开会议。"))
    assert result == Enrichment(
        tokens=None, persons=(), places=("北京",), organizations=("国务院",), keywords=()
    )
    assert len(Enricher(keywords=3).enrich(article("国务院在北京召开防汛会议。")).keywords) == 3


def test_traditional_text_is_segmented_and_mapped_back(rjieba_enricher: Enricher) -> None:
    text = "國務院總理李鵬今天在北京會見了來訪的美國國務卿，雙方就兩國關係交換了意見。"
    result = rjieba_enricher.enrich(article(text))
    assert result.tokens is not None
    assert "".join(result.tokens) == text  # original characters, nothing converted
    assert "李鵬" in result.persons
    assert "北京" in result.places
    assert "國務院" in result.organizations


@pytest.mark.parametrize("engine", ["rjieba", "jieba"])
def test_user_dictionary_adds_names_to_that_enricher_only(engine: str, tmp_path: Path) -> None:
    words = tmp_path / "names.txt"
    words.write_text("龙华飞 10 nr\n", encoding="utf-8")
    text = article("龙华飞在会上发言。")
    with_dict = Enricher(engine, user_dict=words).enrich(text)
    assert with_dict.tokens is not None and "龙华飞" in with_dict.tokens
    assert "龙华飞" in with_dict.persons
    # A plain Enricher built afterwards, in the same process, does not see the user's words.
    plain = Enricher(engine).enrich(text)
    assert plain.tokens is not None and "龙华飞" not in plain.tokens


@pytest.mark.parametrize("engine", ["rjieba", "jieba"])
def test_two_user_dictionaries_do_not_share_words(engine: str, tmp_path: Path) -> None:
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("龙华飞 nr\n", encoding="utf-8")  # no frequency: the engine suggests one
    second.write_text("凤鸣岐 5 nr\n", encoding="utf-8")
    text = article("龙华飞和凤鸣岐在会上发言。")
    one = Enricher(engine, user_dict=first).enrich(text)
    two = Enricher(engine, user_dict=second).enrich(text)
    assert one.tokens is not None and two.tokens is not None
    assert "龙华飞" in one.tokens and "凤鸣岐" not in one.tokens
    assert "凤鸣岐" in two.tokens and "龙华飞" not in two.tokens


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engine": "pkuseg"}, "--engine"),
        ({"keywords": -1}, "--keywords"),
        ({"user_dict": "/nonexistent/names.txt"}, "--user-dict"),
    ],
)
def test_bad_options_raise_option_error(kwargs: dict, message: str) -> None:
    with pytest.raises(OptionError, match=message):
        Enricher(**kwargs)


def test_malformed_user_dictionary_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("张三 10 nr\n李四 a b c\n", encoding="utf-8")
    with pytest.raises(OptionError, match="line 2"):
        Enricher(user_dict=bad)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(list("國務院总理李鵬北京會見說，。 abc123·余先河主持")),
            min_size=1,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_enrich_is_total_and_tokens_cover_the_body(paragraphs: list[str]) -> None:
    """Any body, simplified, traditional or mixed: tokens rebuild it, entities come from it."""
    enricher = _shared_enricher()
    result = enricher.enrich(article(*paragraphs))
    assert result.tokens is not None
    body = "\n".join(paragraphs)
    assert "".join(result.tokens) == "".join(body.split())
    assert all(name in body or name in "标题" for name in result.persons)
    assert len(set(result.keywords)) == len(result.keywords)


@functools.cache
def _shared_enricher() -> Enricher:
    return Enricher()


def test_idf_table_and_stop_words_are_jieba_analyse_ones() -> None:
    """Read without importing jieba.analyse, the tables must still be exactly jieba's own,
    or keywords would drift from jieba.analyse.extract_tags."""
    import jieba.analyse

    from docexport.enrich import _idf

    table, median, stop_words = _idf()
    reference = jieba.analyse.TFIDF()  # a fresh extractor: the bundled idf.txt, default stops
    words = list(reference.idf_freq)
    assert len(table) == len(words)
    assert table.lookup(words, -1.0) == list(reference.idf_freq.values())
    unknown = ["无此词语", "x", "", "新闻\x00"]  # a NUL must not match the word before it
    assert table.lookup(unknown, -1.0) == [-1.0] * len(unknown)
    assert median == reference.median_idf
    assert stop_words == reference.stop_words
    assert "the" in stop_words and "国务院" not in stop_words


def test_name_frequencies_are_the_dictionary_counts_of_name_tagged_words() -> None:
    """Every nr/nrfg/nrt line of jieba's dict.txt, with its count; no other tag."""
    from docexport.enrich import _jieba_file, _name_freq

    expected = {}
    for line in _jieba_file("dict.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].startswith("nr"):
            expected[parts[0]] = int(parts[1])
    table = _name_freq()
    assert table.as_dict() == expected
    assert len(expected) > 1000
    # get() finds every word by bisection (or in the dict of long ones), and no other word.
    assert [table.get(word) for word in expected] == list(expected.values())
    assert any(len(word) > 4 for word in expected)
    assert [table.get(word, -1) for word in ("", "张", "不存在的名字", "张\x00", "欧阳")] == [
        expected.get(word, -1) for word in ("", "张", "不存在的名字", "张\x00", "欧阳")
    ]


def test_name_frequencies_keep_the_last_count_of_a_repeated_word() -> None:
    from docexport.enrich import NameFrequencies

    table = NameFrequencies.from_pairs(["张三", "李四", "张三", "司马相如君"], [1, 2, 3, 4])
    assert table.as_dict() == {"张三": 3, "李四": 2, "司马相如君": 4}
    assert (table.get("张三"), table.get("司马相如君"), table.get("王五")) == (3, 4, 0)


def test_keywords_are_jieba_tf_idf_on_people_s_daily(
    rjieba_enricher: Enricher, pd_dev_articles: list
) -> None:
    """Long and short articles: the top words either come from the repeated words alone (the
    singles are never looked up) or need the singles too; both must match jieba's ranking."""
    import jieba.analyse

    sample = [persons_f1.as_article(a.text) for a in pd_dev_articles[:: len(pd_dev_articles) // 40]]
    for item in sample:
        text = "\n".join([item.title or "", item.subtitle or "", *item.paragraphs])
        assert rjieba_enricher.enrich(item).keywords == tuple(
            jieba.analyse.extract_tags(text, topK=10)
        )


def test_a_batch_enriches_each_article_as_it_would_alone(
    rjieba_enricher: Enricher, pd_dev_articles: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keyword weights are looked up for a batch at once; the results must not depend on the
    batch, on what the cache already holds, or on whether it is full."""
    from docexport import enrich

    sample = [persons_f1.as_article(a.text) for a in pd_dev_articles[:: len(pd_dev_articles) // 80]]
    alone = [rjieba_enricher.enrich(item) for item in sample]
    assert sum(1 for item in alone if item.keywords) > 70
    monkeypatch.setattr(enrich, "_WEIGHTS", {})  # every word is looked up again
    assert rjieba_enricher.enrich_many(sample) == alone
    monkeypatch.setattr(enrich, "WEIGHT_CACHE_SIZE", 0)  # full: weights live for one call
    monkeypatch.setattr(enrich, "_WEIGHTS", {})
    assert rjieba_enricher.enrich_many(sample[::-1]) == alone[::-1]
    assert enrich._WEIGHTS == {}


# Characters that test the idf table's key encoding: Han, ASCII, a NUL (never part of a key),
# lone surrogates and characters beyond U+FFFF (two UTF-16 code units), the last BMP character.
IDF_ALPHABET = st.sampled_from(list("新闻记者a\x00\x01\ud800\udc00\uffff\ue000·😀𠀀"))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(IDF_ALPHABET, max_size=6), st.integers(0, 6).map(float)),
        min_size=1,
        max_size=40,
    ),
    st.lists(st.text(IDF_ALPHABET, max_size=6), max_size=20),
    st.integers(-3, 45),
)
def test_idf_table_reads_like_a_dict(
    pairs: list[tuple[str, float]], others: list[str], count: int
) -> None:
    """Whatever the words, the compact table answers as the dict of the same pairs would, and
    its most common words are the short ones of lowest value, ties in word order."""
    from docexport.enrich import IdfTable

    table = IdfTable.from_pairs([word for word, _ in pairs], [value for _, value in pairs])
    reference = dict(pairs)  # a repeated word keeps its last value
    queries = [*reference, *others]
    assert table.lookup(queries, -1.0) == [reference.get(word, -1.0) for word in queries]
    assert len(table) == len(reference)
    short = sorted(
        (value, word) for word, value in reference.items() if len(word) <= 4 and "\x00" not in word
    )
    assert table.most_common(count) == [word for _, word in short][:count]


def test_every_simplified_surname_has_its_traditional_form() -> None:
    """The traditional half of the surname table is written out; OpenCC's s2t of each
    simplified surname must be in it, except where s2t picks the form a surname never takes
    (余 stays 余 as a surname, not 餘)."""
    from docexport.lexicon.surnames import _SIMPLIFIED, SURNAMES
    from docexport.normalise.script import to_traditional_char

    not_surname_forms = {"餘", "遊", "鬱", "樸", "幹"}
    missing = [
        (char, to_traditional_char(char))
        for char in _SIMPLIFIED
        if to_traditional_char(char) not in SURNAMES
        and to_traditional_char(char) not in not_surname_forms
    ]
    assert missing == []
