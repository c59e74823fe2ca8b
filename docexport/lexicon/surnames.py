"""Chinese surnames, simplified and traditional, for telling a name from an ordinary word.

Why a table: jieba tags some dictionary words as person names (``严格遵守/nr``) and misses
unknown names split into a surname and a word (``余/m 先河/n``). Knowing which characters open
a name is what lets ``enrich`` reject the first and repair the second, and lets ``parse`` accept
``记者 朱虹`` but not ``摄影 展览开幕`` as a byline. The list covers the common single-character
surnames (together well over 95% of the population) in both scripts, and the compound ones.
"""

from __future__ import annotations

__all__ = ["COMPOUND_SURNAMES", "SURNAMES", "starts_with_surname"]

# Single-character surnames in simplified form, roughly by frequency.
_SIMPLIFIED = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
    "龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞"
    "左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕"
    "屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧"
    "闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥"
    "南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支"
    "卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印"
    "逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭由"
    "赖洪傅萧阎"
)
# The same surnames in traditional form where it differs (written out, not converted at run time).
_TRADITIONAL = (
    "張劉陳楊黃趙吳許韓馮鄧蕭葉蘇呂鍾譚陸盧薑湯溫龔顧賀鄒閆嚴錢聶龍鄭羅謝萬賈韋範顏莊魯嶽歐關蘭紀"
    "畢單塗駱藍鮑饒陽農繆項蘆麥婁竇黨費衛閔鄔邊師欒鞏遲鄺樂諶樓滿聞厲區闞權帥豐計晉雲鮮諸戰銀賓"
    "孫馬蔣齊喬龐寧華時簡車連宮應榮叢談荊儲勞藺盤強蓋練國門來闕烏況陰堯閉賴閻"
)
SURNAMES: frozenset[str] = frozenset(_SIMPLIFIED + _TRADITIONAL)

# Two-character surnames; a name that opens with one of these may be four characters long.
COMPOUND_SURNAMES: frozenset[str] = frozenset(
    [
        "欧阳",
        "歐陽",
        "司马",
        "司馬",
        "诸葛",
        "諸葛",
        "上官",
        "东方",
        "東方",
        "皇甫",
        "尉迟",
        "尉遲",
        "公孙",
        "公孫",
        "慕容",
        "令狐",
        "夏侯",
        "司徒",
        "端木",
        "澹台",
        "长孙",
        "長孫",
        "宇文",
        "轩辕",
        "軒轅",
        "独孤",
        "獨孤",
        "西门",
        "西門",
        "南宫",
        "南宮",
        "呼延",
        "万俟",
        "闻人",
        "聞人",
    ]
)


def starts_with_surname(name: str) -> bool:
    """Whether ``name`` opens with a known surname, so it may be a Chinese personal name.

    >>> starts_with_surname("朱虹"), starts_with_surname("欧阳修"), starts_with_surname("吳銘峯")
    (True, True, True)
    >>> starts_with_surname("会议")
    False
    """
    return name[:2] in COMPOUND_SURNAMES or name[:1] in SURNAMES
