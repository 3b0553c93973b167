"""A small installation with one of every object, in one language's data (tests of whole-site sweeps).

`populate("zh-hans")` writes Chinese data only (names, organizations, captions); `populate("en")`
writes ASCII data only (names in pinyin, organizations in English) and replaces the award vocabulary
with English labels, so that a word of the other language on a page comes from the interface.
Returns the objects by the argument names of tests/test_access.py's EXPECTED, plus the users.
"""

import io
from datetime import date
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from competitions import evidence, roles, tasks
from competitions.honours import save_honour
from competitions.models import (
    Award,
    Honour,
    HonourKind,
    HonourPeople,
    HonourStatus,
    Organization,
    Photo,
    ResultDocument,
    SheetImport,
    Tier,
)
from tests.factories import (
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_major,
    make_organization,
    make_student,
)

DATA = {
    "zh-hans": {
        "home": "本校技师学院",
        "other": "兄弟职业学院",
        "department": "智能制造系",
        "major": "工业机器人技术",
        "competition": "全国职业院校技能大赛",
        "host": "教育部",
        "events": ["工业机器人应用", "移动机器人", "数控车"],
        "students": ["张伟", "李娜", "王芳", "张伟"],  # two of one name: a possible duplicate
        "coaches": ["刘欢", "刘欢"],
        "outsider": "外校队员",
        "class": "机器人2101班",
        "caption": "颁奖典礼",
        "credit": "宣传部",
        "notes": "现场评分",
        "file": "成绩表.csv",
        "photo": "photos/颁奖典礼.jpg",
        "scan": "获奖证书.jpg",
        "number": "教职成函〔2023〕12号",
        "users": {"teacher": "教师甲", "office": "竞赛办", "administrator": "管理员"},
        "awards": None,  # the vocabulary the migrations install
        "named": "最佳设计奖",
        "honour_title": "高级技师",
        "document": "人社部函〔2021〕99号",
        "sheet": [
            ["赛事", "年份", "级别", "赛项", "单位", "选手", "学号", "指导教师", "奖项", "名次"],
            [
                "全国职业院校技能大赛",
                "2023",
                "国家级",
                "移动机器人",
                "本校技师学院",
                "赵明",
                "20230009",
                "刘欢",
                "银牌",
                "2",
            ],
            ["全国职业院校技能大赛", "2023", "国家级", "数控车", "本校技师学院", "张玮", "", "", "银牌", "2"],
            [
                "全国职业院校技能大赛",
                "2023",
                "国家级",
                "数控车",
                "兄弟职业学院",
                "陈强",
                "",
                "",
                "无此奖项",
                "",
            ],
        ],
    },
    "en": {
        "home": "Home Technician College",
        "other": "Partner Polytechnic",
        "department": "Intelligent Manufacturing",
        "major": "Industrial Robotics",
        "competition": "National Vocational Skills Contest",
        "host": "Ministry of Education",
        "events": ["Industrial Robot Application", "Mobile Robotics", "CNC Turning"],
        "students": ["Zhang Wei", "Li Na", "Wang Fang", "Zhang Wei"],
        "coaches": ["Liu Huan", "Liu Huan"],
        "outsider": "Guest Member",
        "class": "Robotics 2101",
        "caption": "Award ceremony",
        "credit": "Publicity Office",
        "notes": "Scored on site",
        "file": "results.csv",
        "photo": "photos/ceremony.jpg",
        "scan": "certificate.jpg",
        "number": "MOE Notice No. 12 (2023)",
        "users": {"teacher": "teacher1", "office": "office1", "administrator": "admin1"},
        "awards": {
            "Special prize": Tier.SPECIAL,
            "Gold medal": Tier.GOLD,
            "Silver medal": Tier.SILVER,
            "Bronze medal": Tier.BRONZE,
            "Excellence award": Tier.EXCELLENCE,
        },
        "named": "Best Design Prize",
        "honour_title": "Senior technician",
        "document": "HRSS 2021-99",
        "sheet": [
            [
                "competition",
                "year",
                "level",
                "event",
                "organization",
                "competitors",
                "student_numbers",
                "coaches",
                "award",
                "rank",
            ],
            [
                "National Vocational Skills Contest",
                "2023",
                "national",
                "Mobile Robotics",
                "Home Technician College",
                "Zhao Ming",
                "20230009",
                "Liu Huan",
                "Silver medal",
                "2",
            ],
            [
                "National Vocational Skills Contest",
                "2023",
                "national",
                "CNC Turning",
                "Home Technician College",
                "Zhang Wai",
                "",
                "",
                "Silver medal",
                "2",
            ],
            [
                "National Vocational Skills Contest",
                "2023",
                "national",
                "CNC Turning",
                "Partner Polytechnic",
                "Chen Qiang",
                "",
                "",
                "No Such Award",
                "",
            ],
        ],
    },
}
ROLE_GROUPS = {"teacher": roles.TEACHERS, "office": roles.OFFICE, "administrator": roles.ADMINISTRATORS}


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "steelblue").save(buffer, "JPEG")
    return buffer.getvalue()


def populate(language: str, *, media_root: Path, backup_dir: Path, django_user_model) -> dict:
    data = DATA[language]
    users = {}
    for role, name in data["users"].items():
        user = django_user_model.objects.create_user(name, password="a-long-test-password")
        user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
        if role == "administrator":
            user.is_staff = user.is_superuser = True
            user.save()
        users[role] = user

    if data["awards"] is None:  # the installed vocabulary, less its English labels
        Award.objects.filter(label__regex=r"^[ -~]+$").delete()
    else:
        Award.objects.all().delete()
        for label, tier in data["awards"].items():
            Award.objects.create(label=label, tier=tier)
    named = Award.objects.create(label=data["named"], tier=Tier.OTHER)
    gold = Award.objects.filter(tier=Tier.GOLD).first()
    bronze = Award.objects.filter(tier=Tier.BRONZE).first()

    home = Organization.home() or make_organization(data["home"], is_home=True)
    other = make_organization(data["other"])
    department = make_department(data["department"])
    major = make_major(data["major"], department=department)
    competition = make_competition(
        data["competition"],
        year=2023,
        start_date=date(2023, 5, 20),
        end_date=date(2023, 5, 22),
        host=data["host"],
        notes=data["notes"],
    )
    team, single, empty = (
        make_event(competition, name=data["events"][0], is_team=True),
        make_event(competition, name=data["events"][1]),
        make_event(competition, name=data["events"][2]),
    )
    students = [
        make_student(
            name,
            student_number=f"202300{number}",
            department=department,
            major=major,
            class_name=data["class"],
            cohort_year=2021,
        )
        for number, name in enumerate(data["students"], start=1)
    ]
    coaches = [make_coach(name, department=department) for name in data["coaches"]]
    entry = make_entry(
        team,
        members=[students[0], students[1], data["outsider"]],
        coaches=[coaches[0]],
        award=gold,
        rank=1,
        score="95.5",
        notes=data["notes"],
        organization=home,
    )
    make_entry(single, members=[students[2]], award=bronze, rank=3, organization=home)
    make_entry(single, members=[data["outsider"]], award=named, organization=other)
    deleted = make_entry(single, members=[students[3]], award=bronze, organization=home)
    deleted.delete()

    (media_root / "photos").mkdir(parents=True, exist_ok=True)
    (media_root / data["photo"]).write_bytes(jpeg())
    photo = Photo.objects.create(
        competition=competition,
        image=data["photo"],
        caption=data["caption"],
        credit=data["credit"],
        uploaded_by=users["office"],
    )
    photo.entries.add(entry)

    # Evidence: a certificate scan of the entry and the result document that covers it.
    scan = evidence.add_scans(
        entry=entry,
        files=[SimpleUploadedFile(data["scan"], jpeg())],
        caption=data["caption"],
        user=users["office"],
    )[0]
    document = evidence.save_document(
        document=ResultDocument(
            competition=competition, issuer=data["host"], number=data["number"], issued_on=date(2023, 6, 1)
        ),
        upload=evidence.check_file(SimpleUploadedFile(data["scan"], jpeg())),
        entries=[entry],
        user=users["office"],
    )
    # Honours: a named one (a student's skill grade, earned by the team entry) and an unnamed count.
    honour = save_honour(
        honour=Honour(
            kind=HonourKind.SKILL_GRADE,
            status=HonourStatus.AWARDED,
            title=data["honour_title"],
            year=2023,
            date=date(2023, 9, 1),
            document_number=data["document"],
            student=students[0],
            notes=data["notes"],
        ),
        entries=[entry],
    )
    save_honour(
        honour=Honour(
            kind=HonourKind.NATIONAL_EXPERT,
            status=HonourStatus.QUALIFIED,
            year=2023,
            count=20,
            people=HonourPeople.BOTH,
        ),
        entries=[],
    )
    save_honour(
        honour=Honour(
            kind=HonourKind.TEACHING_TITLE, status=HonourStatus.NOMINATED, year=2023, coach=coaches[0]
        ),
        entries=[entry],
    )

    # An upload checked (its preview lists a new student, a near match and a bad row), one waiting
    # for its check, and a backup archive.
    sheet = "\r\n".join(",".join(row) for row in data["sheet"]).encode("utf-8-sig")
    checked = SheetImport.objects.create(
        user=users["office"], filename=data["file"], data=sheet, language=language
    )
    with translation.override(language):
        tasks.preview_import.call(checked.token)
    SheetImport.objects.create(user=users["office"], filename=data["file"], data=b"", language=language)
    backup_dir.mkdir(parents=True, exist_ok=True)
    archive = "results-backup-20230601-120000.zip"
    (backup_dir / archive).write_bytes(b"PK\x05\x06" + b"\0" * 18)

    return {
        "users": users,
        "competition": competition.pk,
        "event": single.pk,
        "empty_event": empty.pk,
        "entry": entry.pk,
        "deleted_entry": deleted.pk,
        "student": students[0].pk,
        "student2": students[3].pk,
        "coach": coaches[0].pk,
        "coach2": coaches[1].pk,
        "photo": photo.pk,
        "scan": scan.pk,
        "document": document.pk,
        "honour": honour.pk,
        "department": department.pk,
        "skill": team.skill_id,
        "token": checked.token,
        "archive": archive,
        "year": 2023,
        "media": data["photo"],
        "home": home.pk,
    }
