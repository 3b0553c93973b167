"""The demo data: the competition results of the college's 2023 annual report, and demo accounts.

Source: /work/shared/seed/000_d11c25b21bd8335d.txt (广州市机电技师学院 2023 年教育质量年度报告),
sections 2.2.1, 2.2.2, 2.2.3, 2.3.2 and 6.3. Names of competitions, events, people and awards are
copied as written; only the typesetting spaces around numbers are dropped ("3D 数字游戏艺术" is
stored as "3D数字游戏艺术") and a leading "2023 年" moves into the year field.

What is real and what is not:
- Real (from the report): competitions, events named in the report, the named students and
  teachers, their awards, and the counts the report gives without names (those are recorded as
  entries without members in events whose names say that the report does not name them).
- Illustrative, made up for the demo: the departments and which department each person belongs to
  (the report names none); the other organizations of the national medal table (their names end in
  “（示例）”, they have `is_illustrative=True`, and their entries say so in their notes); team size
  ranges where the report gives none. Hosts come from public knowledge where filled in, not from
  the report. No student numbers, classes or cohort years are invented.
- Where the report is ambiguous or contradicts itself, the entry or competition notes say so and
  say what was chosen (the split of 郑泽鑫、郑永壕、周玮 over two team events; the provincial silver
  that 6.3 does not count; 7 or 10 squad members; the level of events the report does not give).
- Aggregate statements that the report does not itemise (“14 个国赛一等奖、1 个二等奖及 27 个省赛一等奖
  和二等奖，还有 3 个全国行业赛事奖项”, “7 个赛项的全国一等奖”) are quoted in the notes of the
  competitions concerned; no entries are invented to match them.
- Honours that results lead to (HONOURS, as models.Honour): the report names nobody for them, so
  they are unnamed counts, as it states them — 7 students selected for the 47th WorldSkills China
  squad (linked to the 7 squad entries), 20 students and teachers qualified to apply for 全国技术能手,
  11 teachers newly 全国技术能手 — each with a note quoting the report.
- Left out, as they are not competition results: personal and collective honours (广东省青年五四奖章,
  优秀共青团员, 校园之星, 优秀学生干部, 国家奖学金, 五四红旗团委标兵), rankings and case selections (中职50强, 党建精品案例), the school's own
  innovation contest (no results itemised) and the teacher contests of section 3 (第七届广东省技工院校
  教师职业能力大赛, 广州开放大学说课大赛: outside the sections this demo covers, no names given).

`load_demo()` is idempotent: competitions, events and accounts are found by their natural keys,
people by the rules every other way in uses (students.people.People), and entries by the identity a
re-imported sheet is matched by (competitions.models.match_recorded), so running it again adds
nothing.
"""

from typing import TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import ngettext

from competitions import confirming, roles
from competitions.honours import save_honour, squad_entries
from competitions.models import (
    Award,
    Category,
    Competition,
    Entry,
    Event,
    Honour,
    HonourKind,
    HonourPeople,
    HonourStatus,
    Level,
    Organization,
    Skill,
    Tier,
    entry_identity,
    match_recorded,
    normalize_label,
)
from competitions.recording import Member, record_entry
from students.models import Coach, Department, Student
from students.people import People

HOME_COLLEGE = "广州市机电技师学院"

# Demo accounts: username, staff, superuser, group. The password is printed by `load_demo`.
DEMO_PASSWORD = "demo-pass-2023"
DEMO_USERS = [
    ("admin", True, True, roles.ADMINISTRATORS),
    ("office", False, False, roles.OFFICE),
    ("teacher", False, False, roles.TEACHERS),
]

# Named awards the office adds to the vocabulary (the standard labels ship with migration 0003).
EXTRA_AWARDS = {
    "百县千镇万村高质量发展贡献奖": Tier.OTHER,
    "优秀组织单位": Tier.OTHER,
}

# Illustrative departments (the report names none), with their English names.
DEPARTMENTS = {
    "机器人系": "Robotics",
    "智能制造系": "Intelligent Manufacturing",
    "电气自动化系": "Electrical Automation",
    "信息技术系": "Information Technology",
    "汽车工程系": "Automotive Engineering",
    "公共课教学部": "General Education",
}

# Every student named in the report, with an illustrative department.
STUDENTS = {
    "蒋家俊": "机器人系",
    "李文博": "机器人系",
    "陈再辉": "机器人系",
    "周玮": "机器人系",
    "郑泽鑫": "智能制造系",
    "郑永壕": "智能制造系",
    "何昊林": "信息技术系",
    "饶刚": "电气自动化系",
    "苏镇邦": "电气自动化系",
    "周焯祺": "汽车工程系",
    "翁柏涛": "汽车工程系",
    "舒乐军": "汽车工程系",
    "陈育平": "汽车工程系",
}

# Teachers named in the report as competitors, with an illustrative department (None: none).
TEACHERS = {
    "刘欢": "电气自动化系",
    "邓薇": "公共课教学部",
    "肖莹": "公共课教学部",
    "柯晓琼": "公共课教学部",
    "吴洪东": None,  # 院长 (college president), author of the prize-winning essay
}

# English names of skills that have one.
SKILLS_EN = {
    "移动机器人": "Mobile Robotics",
    "机电一体化": "Mechatronics",
    "机器人系统集成": "Robot Systems Integration",
    "3D数字游戏艺术": "3D Digital Game Art",
}

# One skill for every event the report counts but does not name, so skill tallies show them together.
UNNAMED_SKILL = "赛项未列明"

ILLUSTRATIVE_ORGANIZATIONS = {
    "甲技师学院（示例）": Organization.Kind.COLLEGE,
    "乙技师学院（示例）": Organization.Kind.COLLEGE,
    "丙省代表团（示例）": Organization.Kind.DELEGATION,
}
ILLUSTRATIVE_NOTE = "示例数据（虚构），不是报告内容，仅用于让奖牌榜有多行。"

AGGREGATE_2_2_1 = (
    "报告 2.2.1 的全年汇总：“共获得 14 个国赛一等奖、1 个二等奖及 27 个省赛一等奖和二等奖，"
    "还有 3 个全国行业赛事奖项。”报告未逐项列出，本库没有据此补造记录。"
)

# Team sizes are (smallest, largest); "team": None is an individual event.
# Entry keys: award (label as written), members (names; home students and teachers are matched
# to their records, other names stay text), organization (default: the home college),
# rank, notes, count (that many identical entries, for results the report only counts).
COMPETITIONS = [
    {
        "name": "中华人民共和国第二届职业技能大赛",
        "edition": 2,
        "year": 2023,
        "level": Level.NATIONAL,
        "category": Category.SKILLS,
        "host": "人力资源社会保障部、天津市人民政府",
        "notes": (
            "报告 6.3：学院“取得 2 金 2 银 4 铜 3 优胜的优异成绩，世赛选拔项目加权得分 31 分，"
            "荣登全国排行榜第一”。报告 2.2.1 只列出蒋家俊（移动机器人金牌，蝉联）和郑泽鑫、郑永壕、"
            "周玮（机电一体化、机器人系统集成银牌）；其余 1 金 4 铜 3 优胜没有项目和选手，记在"
            "“其他世赛选拔项目（报告未列明）”中。6.3 称入围集训队者“各项目均有选手入围”，据此推断"
            "学院的参赛项目都是世赛选拔项目。报告没有给出加权规则：按本库默认权重（金4 银3 铜2 优胜1）"
            "计为 25 分，与报告的 31 分不同；权重未改动，待竞赛办核实后在本赛事上设置。"
            "名称带“（示例）”的单位及其成绩是虚构的示例数据，不影响学院的成绩。" + AGGREGATE_2_2_1
        ),
        "events": [
            {
                "name": "移动机器人",
                "team": (2, 2),
                "selection": True,
                "entries": [
                    {"award": "金牌", "members": ["蒋家俊"], "notes": "报告 2.2.1：蝉联金牌。队友未列明。"},
                    {"award": "银牌", "organization": "甲技师学院（示例）", "notes": ILLUSTRATIVE_NOTE},
                    {"award": "铜牌", "organization": "乙技师学院（示例）", "notes": ILLUSTRATIVE_NOTE},
                    {"award": "优胜奖", "organization": "丙省代表团（示例）", "notes": ILLUSTRATIVE_NOTE},
                ],
            },
            {
                "name": "机电一体化",
                "team": (2, 2),
                "selection": True,
                "entries": [
                    {
                        "award": "银牌",
                        "members": ["郑泽鑫", "郑永壕"],
                        "notes": (
                            "报告 2.2.1 写“郑泽鑫、郑永壕和周玮分别获奖机电一体化和机器人系统集成项目"
                            "银牌”，没有写明谁在哪个项目；此处按列名顺序推定郑泽鑫、郑永壕为机电一体化。"
                        ),
                    },
                    {"award": "金牌", "organization": "甲技师学院（示例）", "notes": ILLUSTRATIVE_NOTE},
                    {"award": "铜牌", "organization": "丙省代表团（示例）", "notes": ILLUSTRATIVE_NOTE},
                    {"award": "优胜奖", "organization": "乙技师学院（示例）", "notes": ILLUSTRATIVE_NOTE},
                ],
            },
            {
                "name": "机器人系统集成",
                "team": (2, 2),
                "selection": True,
                "entries": [
                    {
                        "award": "银牌",
                        "members": ["周玮"],
                        "notes": (
                            "报告 2.2.1 没有写明郑泽鑫、郑永壕、周玮各在哪个项目；此处按列名顺序推定"
                            "周玮为机器人系统集成，队友未列明。"
                        ),
                    },
                    {"award": "金牌", "organization": "丙省代表团（示例）", "notes": ILLUSTRATIVE_NOTE},
                    {"award": "铜牌", "organization": "乙技师学院（示例）", "notes": ILLUSTRATIVE_NOTE},
                    {"award": "优胜奖", "organization": "甲技师学院（示例）", "notes": ILLUSTRATIVE_NOTE},
                ],
            },
            {
                "name": "其他世赛选拔项目（报告未列明）",
                "skill": UNNAMED_SKILL,
                "selection": True,
                "entries": [
                    {"award": award, "count": count, "notes": "报告 6.3 只给出数量，未列明项目和选手。"}
                    for award, count in [("金牌", 1), ("铜牌", 4), ("优胜奖", 3)]
                ],
            },
        ],
    },
    {
        "name": "广东省第三届职业技能大赛",
        "edition": 3,
        "year": 2023,
        "level": Level.PROVINCIAL,
        "category": Category.SKILLS,
        "notes": (
            "报告自相矛盾：6.3 称学院在本赛事“取得 5 金 3 铜 2 优胜的优异成绩”（没有银牌），"
            "2.2.1 却称“何昊林同学在 3D 数字游戏艺术项目中获得银牌”。两种说法都照录：5 金 3 铜 2 优胜"
            "之外另记何昊林的银牌，所以学院在本赛事的奖牌榜是 5 金 1 银 3 铜 2 优胜。"
            "2.2.1 所列金牌：李文博（移动机器人）与郑泽鑫、郑永壕、周玮（机电一体化、机器人系统集成，"
            "分项报告未写明）；其余 2 金 3 铜 2 优胜没有项目和选手，记在“其他赛项（报告未列明）”中。"
            + AGGREGATE_2_2_1
        ),
        "events": [
            {
                "name": "移动机器人",
                "team": (2, 2),
                "entries": [{"award": "金牌", "members": ["李文博"], "notes": "队友未列明。"}],
            },
            {
                "name": "机电一体化",
                "team": (2, 2),
                "entries": [
                    {
                        "award": "金牌",
                        "members": ["郑泽鑫", "郑永壕"],
                        "notes": "报告未写明郑泽鑫、郑永壕、周玮各在哪个项目；此处按列名顺序推定。",
                    }
                ],
            },
            {
                "name": "机器人系统集成",
                "team": (2, 2),
                "entries": [
                    {
                        "award": "金牌",
                        "members": ["周玮"],
                        "notes": (
                            "报告未写明郑泽鑫、郑永壕、周玮各在哪个项目；此处按列名顺序推定。队友未列明。"
                        ),
                    }
                ],
            },
            {
                "name": "3D数字游戏艺术",
                "entries": [
                    {
                        "award": "银牌",
                        "members": ["何昊林"],
                        "notes": "见于报告 2.2.1；6.3 的“5 金 3 铜 2 优胜”不含这枚银牌。",
                    }
                ],
            },
            {
                "name": "其他赛项（报告未列明）",
                "skill": UNNAMED_SKILL,
                "entries": [
                    {
                        "award": award,
                        "count": count,
                        "notes": "报告 6.3 只给出数量，未列明项目、选手及是否团体项目。",
                    }
                    for award, count in [("金牌", 2), ("铜牌", 3), ("优胜奖", 2)]
                ],
            },
        ],
    },
    {
        "name": "第47届世界技能大赛中国集训队选拔",
        "edition": 47,
        "year": 2023,
        "level": Level.NATIONAL,
        "category": Category.SKILLS,
        "notes": (
            "报告两处说法不一：2.2.1 称“还有 7 名学生入围第 47 届世界技能大赛中国集训队”；6.3 称"
            "“共 10 名师生入围第 47 届世界技能大赛国家集训队，且各项目均有选手入围，创历史最佳成绩”。"
            "两处都没有姓名和项目。本库按 2.2.1 记 7 名学生入围（无名记录）；6.3 的 10 人含教师，"
            "多出的 3 人报告未说明是谁，未记录。6.3 另称学院成为第 47 届世界技能大赛机器人系统集成、"
            "机电一体化、自主移动机器人项目中国集训基地。"
        ),
        "events": [
            {
                "name": "入围集训队（报告未列明姓名和项目）",
                "skill": UNNAMED_SKILL,
                "entries": [{"award": "入围国家集训队", "count": 7, "notes": "报告 2.2.1 只给出人数。"}],
            }
        ],
    },
    {
        "name": "第三届全国新能源汽车关键技术技能大赛",
        "edition": 3,
        "year": 2023,
        "level": Level.INDUSTRY,
        "category": Category.SKILLS,
        "notes": (
            "报告 6.3 称学院“在全国行业职业竞赛国家一类赛中获得 7 个赛项的全国一等奖”，2.2.1 称全年"
            "“还有 3 个全国行业赛事奖项”；两处数字不一，报告只列出本赛事的两项，其余未逐项列出，"
            "没有据此补造记录。" + AGGREGATE_2_2_1
        ),
        "events": [
            {
                "name": "机动车检测工（车路协同技术方向）",
                "team": (2, 3),
                "entries": [{"award": "全国一等奖", "members": ["周焯祺", "翁柏涛"]}],
            },
            {
                "name": "汽车电器维修工（新能源汽车电控系统技术方向）",
                "team": (2, 3),
                "entries": [{"award": "全国一等奖", "members": ["舒乐军", "陈育平"]}],
            },
        ],
    },
    {
        "name": "第十八届“振兴杯”全国青年职业技能大赛",
        "edition": 18,
        "year": 2023,
        "level": Level.NATIONAL,
        "category": Category.SKILLS,
        "host": "共青团中央、人力资源社会保障部等",
        "notes": (
            "学院学生参加主体赛（报告 2.2.1）。“振兴杯”是全国性青年技能赛事，记为全国级；"
            "若竞赛办把它算作“全国行业赛事”，可把级别改为 industry。"
        ),
        "events": [
            {
                "name": "仪器仪表维修工",
                "entries": [
                    {"award": "金奖", "members": ["苏镇邦"]},
                    {"award": "银奖", "members": ["饶刚"]},
                ],
            }
        ],
    },
    {
        "name": "第十二届穗港澳蓉青年技能竞赛",
        "edition": 12,
        "year": 2023,
        "level": Level.REGIONAL,
        "category": Category.SKILLS,
        "notes": (
            "报告 2.2.1：陈再辉、李文博分别荣获移动机器人项目金奖、银奖；自 2014 年第八届新设移动"
            "机器人项目以来，学院累计四次问鼎冠军。"
        ),
        "events": [
            {
                "name": "移动机器人",
                "team": (2, 2),
                "entries": [
                    {"award": "金奖", "members": ["陈再辉"], "notes": "队友未列明。"},
                    {"award": "银奖", "members": ["李文博"], "notes": "队友未列明。"},
                ],
            }
        ],
    },
    {
        "name": "第三届全国技工院校教师职业能力大赛",
        "edition": 3,
        "year": 2023,
        "level": Level.NATIONAL,
        "category": Category.TEACHER,
        "notes": "报告 6.3：总决赛中刘欢老师获得电工电子类一等奖。",
        "events": [
            {
                "name": "电工电子类",
                "team": (1, 3),
                "entries": [
                    {"award": "一等奖", "members": ["刘欢"], "notes": "报告只写刘欢老师，是否有队友未写明。"}
                ],
            }
        ],
    },
    {
        "name": "“逸仙勇士杯”协同机器人国际邀请赛",
        "year": 2023,
        "level": Level.REGIONAL,
        "category": Category.SKILLS,
        "notes": (
            "报告 6.3：学院作为唯一一所参赛的技师学院，以总分第一的成绩从 115 支来自香港科技大学、"
            "浙江大学、北京航空航天大学等 55 所知名高校、科研院所及企事业单位的精英队伍中脱颖而出，"
            "勇夺特等奖。名为“国际邀请赛”，但报告列出的参赛单位都在国内，级别记为邀请赛（regional），"
            "不与世界技能大赛同列为世界级。报告未写明赛项名称和队员。"
        ),
        "events": [
            {
                "name": "协同机器人",
                "team": (1, 10),
                "entries": [{"award": "特等奖", "rank": 1, "notes": "总分第一；队员未列明。"}],
            }
        ],
    },
    {
        "name": "第一届广东省技工院校科技发明与创新大赛",
        "edition": 1,
        "year": 2023,
        "level": Level.PROVINCIAL,
        "category": Category.INNOVATION,
        "notes": "报告 2.3.2。",
        "events": [
            {
                "name": "技术进步类",
                "team": (1, 10),
                "entries": [
                    {"award": "三等奖", "notes": "创业项目“全程无忧——防儿童误锁车内警报装置”；成员未列明。"}
                ],
            }
        ],
    },
    {
        "name": "广东“众创杯”创业创新大赛",
        "year": 2023,
        "level": Level.PROVINCIAL,
        "category": Category.INNOVATION,
        "notes": (
            "报告 2.3.2、6.3：创业项目“小青柑全自动果肉分离机”在大众创业创富赛中荣获首届"
            "“百县千镇万村高质量发展贡献奖”，学院是全省唯一获此奖项的技工院校。"
        ),
        "events": [
            {
                "name": "大众创业创富赛",
                "team": (1, 10),
                "entries": [
                    {
                        "award": "百县千镇万村高质量发展贡献奖",
                        "notes": "项目“小青柑全自动果肉分离机”；成员未列明。",
                    }
                ],
            }
        ],
    },
    {
        "name": "“迎国赛、强技能、展风采”征文评选",
        "year": 2023,
        "level": Level.NATIONAL,
        "category": Category.OTHER,
        "host": "中国劳动保障报社",
        "notes": (
            "报告 6.3：文章《做技能大赛“无人区”的探路者》荣获全国唯一的一等奖。作者见报告第三章："
            "“学院吴洪东院长《做技能大赛“无人区”的探路者》荣获《中国劳动保障报》征文一等奖”。"
        ),
        "events": [
            {
                "name": "征文",
                "entries": [
                    {
                        "award": "一等奖",
                        "members": ["吴洪东"],
                        "notes": "文章《做技能大赛“无人区”的探路者》。",
                    }
                ],
            }
        ],
    },
    {
        "name": "第十九届广州市属技工院校体育运动会",
        "edition": 19,
        "year": 2023,
        "level": Level.MUNICIPAL,
        "category": Category.SPORTS,
        "notes": (
            "报告 2.2.2：“由 7 支体育竞技队伍参加的 6 个类别全部获奖”，列出 7 个项目，推断男子、女子"
            "三人篮球同属篮球类别。奖项照录（亚军、二等奖、三等奖混用）。队员姓名未列明；队伍人数范围"
            "是常见的报名人数，报告未给出。"
        ),
        "events": [
            {"name": "男子足球", "team": (7, 18), "entries": [{"award": "亚军"}]},
            {"name": "女子三人篮球", "team": (3, 4), "entries": [{"award": "亚军"}]},
            {"name": "武术", "team": (1, 12), "entries": [{"award": "亚军"}]},
            {"name": "集体跳绳", "team": (8, 20), "entries": [{"award": "二等奖"}]},
            {"name": "南狮", "team": (4, 10), "entries": [{"award": "二等奖"}]},
            {"name": "男子三人篮球", "team": (3, 4), "entries": [{"award": "三等奖"}]},
            {"name": "乒乓球", "team": (3, 5), "entries": [{"award": "三等奖"}]},
        ],
    },
    {
        "name": "微课比赛（报告未写明赛事名称）",
        "year": 2023,
        "level": Level.MUNICIPAL,
        "category": Category.ARTS,
        "notes": (
            "报告 2.2.2 只写“邓薇、肖莹、柯晓琼老师制作的微课……获得公共组二等奖”，没有写赛事名称和"
            "级别；级别暂记为市级，请竞赛办核对。报告把它列在文化艺术领域，类别记为文化艺术。"
        ),
        "events": [
            {
                "name": "公共组",
                "team": (1, 4),
                "entries": [
                    {
                        "award": "二等奖",
                        "members": ["邓薇", "肖莹", "柯晓琼"],
                        "notes": "微课《呐喊民族之声，寻找前行力量——音乐的情感表达和社会功能》。",
                    }
                ],
            }
        ],
    },
    {
        "name": "广州市技工院校红色故事汇比赛",
        "year": 2023,
        "level": Level.MUNICIPAL,
        "category": Category.ARTS,
        "notes": "报告 2.2.2：学院选送作品《红色守望》《启航》均获得二等奖。表演者未列明。",
        "events": [
            {
                "name": "红色故事汇",
                "team": (1, 10),
                "entries": [
                    {"award": "二等奖", "notes": "作品《红色守望》。"},
                    {"award": "二等奖", "notes": "作品《启航》。"},
                ],
            }
        ],
    },
    {
        "name": "广东省技工院校“国防教育进校园”主题活动",
        "year": 2023,
        "level": Level.PROVINCIAL,
        "category": Category.OTHER,
        "notes": "报告 2.2.3：学院国旗护卫队获国旗护卫队比赛一等奖，学院获优秀组织单位。",
        "events": [
            {
                "name": "国旗护卫队比赛",
                "team": (3, 40),
                "entries": [{"award": "一等奖", "notes": "队员未列明。"}],
            },
            {"name": "优秀组织单位评选", "entries": [{"award": "优秀组织单位", "notes": "学院整体获评。"}]},
        ],
    },
]


SQUAD_COMPETITION = "第47届世界技能大赛中国集训队选拔"

# Honours the report states, all unnamed (it gives counts only). "squad_of": the competition whose
# squad entries (award 入围国家集训队) the honour links.
HONOURS = [
    {
        "kind": HonourKind.SQUAD,
        "status": HonourStatus.AWARDED,
        "year": 2023,
        "title": "第47届世界技能大赛中国集训队",
        "count": 7,
        "people": HonourPeople.STUDENTS,
        "squad_of": SQUAD_COMPETITION,
        "notes": (
            "报告 2.2.1：“此外，还有 7 名学生入围第 47 届世界技能大赛中国集训队”。6.3 另称“共 10 名师生入围"
            "第 47 届世界技能大赛国家集训队”；两处都没有姓名，本库按 2.2.1 记 7 名学生，链接该赛事的 7 条入围记录。"
        ),
    },
    {
        "kind": HonourKind.NATIONAL_EXPERT,
        "status": HonourStatus.QUALIFIED,
        "year": 2023,
        "count": 20,
        "people": HonourPeople.BOTH,
        "notes": (
            "报告 6.3：“在全国行业职业竞赛国家一类赛中获得 7 个赛项的全国一等奖，共有 20 名师生获得"
            "‘全国技术能手’申报资格。”报告未列明姓名，也未说明依据哪些成绩，未链接参赛记录。"
        ),
    },
    {
        "kind": HonourKind.NATIONAL_EXPERT,
        "status": HonourStatus.AWARDED,
        "year": 2023,
        "count": 11,
        "people": HonourPeople.TEACHERS,
        "notes": (
            "报告 1.3 教师队伍：“新增正高级职3人、副高级职称19人、全国技术能手11人。”这是教职工的统计，"
            "未列明姓名，也未说明由哪些竞赛成绩获得，未链接参赛记录。"
            "同句的新增正高级、副高级职称未说明与竞赛成绩有关，未记录。"
        ),
    },
]


def _honours() -> int:
    """Record the report's honours not recorded yet (found by kind, status, year, title, count and
    who); return how many were added."""
    added = 0
    for spec in HONOURS:
        key = {name: spec.get(name, "") for name in ("kind", "status", "year", "title", "count", "people")}
        if Honour.objects.filter(student=None, coach=None, **key).exists():
            continue
        entries = []
        if spec.get("squad_of"):
            entries = list(
                squad_entries(
                    Entry.objects.filter(
                        event__competition__name=spec["squad_of"], event__competition__year=spec["year"]
                    )
                )
            )
        save_honour(honour=Honour(**key, notes=spec["notes"]), entries=entries)
        added += 1
    return added


def _department(name: str | None) -> Department | None:
    if name is None:
        return None
    department, _created = Department.objects.get_or_create(
        name=name, defaults={"name_en": DEPARTMENTS.get(name, "")}
    )
    return department


def _people() -> People:
    """The finder of people, loaded with everyone the report names."""
    return People((name, "") for name in [*STUDENTS, *TEACHERS])


def _student(people: People, home: Organization, name: str) -> Student:
    student = people.student(name, organization=home)
    if student.pk is None:
        student.department = _department(STUDENTS[name])
        student.save()
    return student


def _teacher(people: People, home: Organization, name: str) -> Coach:
    teacher = people.teacher(name, organization=home)
    if teacher.pk is None:
        teacher.department = _department(TEACHERS[name])
        teacher.save()
    return teacher


def _member(people: People, organization: Organization, name: str) -> Member:
    """A home student or teacher named in the report (in the college's own entries, as names alone
    find home people only there); any other name stays text."""
    if name in STUDENTS:
        return _student(people, organization, name) if organization.is_home else name
    if name in TEACHERS:
        return _teacher(people, organization, name) if organization.is_home else name
    return name


def _event(competition: Competition, spec: dict) -> Event:
    skill_name = spec.get("skill", spec["name"])
    skill, _created = Skill.objects.get_or_create(
        name=skill_name,
        defaults={"name_en": SKILLS_EN.get(skill_name, ""), "placeholder": skill_name == UNNAMED_SKILL},
    )
    if skill_name == UNNAMED_SKILL and not skill.placeholder:  # loaded before the flag existed
        skill.placeholder = True
        skill.save(update_fields=["placeholder"])
    smallest, largest = spec.get("team") or (1, 1)
    event, _created = Event.objects.get_or_create(
        competition=competition,
        name=spec["name"],
        defaults={
            "skill": skill,
            "is_team": spec.get("team") is not None,
            "min_team_size": smallest,
            "max_team_size": largest,
            "is_selection": spec.get("selection", False),
        },
    )
    return event


def _record_entries(
    event: Event, specs: list[dict], organizations: dict[str, Organization], people: People, confirmed_by=None
) -> int:
    """Record the entries of one event that are not there yet; return how many were added."""
    planned = []
    for spec in specs:
        organization = organizations[spec.get("organization", HOME_COLLEGE)]
        award = Award.objects.parse(spec["award"])
        members = [_member(people, organization, name) for name in spec.get("members", [])]
        planned += [(spec, organization, award, members)] * spec.get("count", 1)
    recorded = Entry.objects.filter(event=event).prefetch_related("members__student", "members__coach")
    identities = [
        entry_identity(
            event_id=event.pk,
            organization_id=organization.pk,
            award_id=award.pk,
            rank=spec.get("rank"),
            members=members,
        )
        for spec, organization, award, members in planned
    ]
    added = 0
    for (spec, organization, award, members), present in zip(
        planned, match_recorded(identities, recorded), strict=True
    ):
        if present:
            continue
        record_entry(
            event=event,
            organization=organization,
            award=award,
            rank=spec.get("rank"),
            notes=spec.get("notes", ""),
            members=members,
            confirmed_by=confirmed_by,
        )
        added += 1
    return added


def _demo_accounts() -> None:
    User = get_user_model()
    groups = {
        name: Group.objects.get_or_create(name=name)[0]
        for name in (roles.ADMINISTRATORS, roles.OFFICE, roles.TEACHERS)
    }
    for username, is_staff, is_superuser, group_name in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"is_staff": is_staff, "is_superuser": is_superuser}
        )
        if created:
            # Only on creation, so a password changed since is left alone.
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if group_name:
            user.groups.add(groups[group_name])


@transaction.atomic
def load_demo(*, stdout: TextIO | None = None, confirmed_by: str | None = None) -> dict[str, int]:
    """Load the report's results, the illustrative organizations and the demo accounts.

    Returns counts of what the demo holds (competitions, events, entries, students, honours) and how
    many entries and honours this run added (none when it has run before). With `stdout`, one line
    per competition.
    The entries added are unconfirmed unless `confirmed_by` names an account (a demo account too):
    confirmed by it. An unknown name raises confirming.UnknownUser and nothing is loaded.
    """
    _demo_accounts()  # first, so that --confirmed-by can name one of them
    confirmer = confirming.confirmer(confirmed_by)
    for label, tier in EXTRA_AWARDS.items():
        Award.objects.get_or_create(
            normalized=normalize_label(label), defaults={"label": label, "tier": tier}
        )

    organizations = {
        HOME_COLLEGE: Organization.objects.get_or_create(
            name=HOME_COLLEGE, defaults={"is_home": True, "short_name": "机电技师学院"}
        )[0]
    }
    for name, kind in ILLUSTRATIVE_ORGANIZATIONS.items():
        organizations[name] = Organization.objects.get_or_create(
            name=name, defaults={"kind": kind, "is_illustrative": True}
        )[0]

    # Every named person exists even if a later edit of the data drops their entries.
    people = _people()
    for name in STUDENTS:
        _student(people, organizations[HOME_COLLEGE], name)
    for name in TEACHERS:
        _teacher(people, organizations[HOME_COLLEGE], name)

    competitions, added = [], 0
    for spec in COMPETITIONS:
        competition, _created = Competition.objects.get_or_create(
            name=spec["name"],
            year=spec["year"],
            defaults={
                "edition": spec.get("edition"),
                "level": spec["level"],
                "category": spec["category"],
                "host": spec.get("host", ""),
                "notes": spec.get("notes", ""),
            },
        )
        competitions.append(competition)
        added_here = sum(
            _record_entries(_event(competition, event), event["entries"], organizations, people, confirmer)
            for event in spec["events"]
        )
        added += added_here
        if stdout is not None:
            stdout.write(
                ngettext(
                    "%(competition)s: %(added)d entry added",
                    "%(competition)s: %(added)d entries added",
                    added_here,
                )
                % {"competition": competition, "added": added_here}
                + "\n"
            )

    honours_added = _honours()
    if stdout is not None and honours_added:
        stdout.write(
            ngettext("%(added)d honour added", "%(added)d honours added", honours_added)
            % {"added": honours_added}
            + "\n"
        )

    return {
        "competitions": len(competitions),
        "events": Event.objects.filter(competition__in=competitions).count(),
        "entries": Entry.objects.filter(event__competition__in=competitions).count(),
        "students": len(STUDENTS),
        "added": added,
        "honours": len(HONOURS),
        "honours_added": honours_added,
    }
