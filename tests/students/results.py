"""A world of results that grows on demand, for the query-budget tests of the people and skill pages.

`grow(world, 0, 3)` then `grow(world, 3, 30)`: a page must make the same number of queries for both.
"""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from competitions.models import Level, Photo, Skill
from tests.factories import (
    home_organization,
    make_coach,
    make_competition,
    make_department,
    make_entry,
    make_event,
    make_major,
    make_student,
)

AWARDS = ["金牌", "银牌", "铜牌", "优胜奖", "一等奖", "入围国家集训队", None]
LEVELS = [Level.SCHOOL, Level.MUNICIPAL, Level.PROVINCIAL, Level.NATIONAL, Level.WORLD]


def jpeg(name: str = "photo.jpg", size: tuple[int, int] = (16, 12), colour: str = "steelblue"):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def make_world() -> dict:
    home_organization()
    department = make_department("机器人系")
    major = make_major("工业机器人应用与维护", department=department)
    student = make_student(
        "郑泽鑫",
        student_number="2023010101",
        department=department,
        major=major,
        class_name="机器人2101班",
        cohort_year=2021,
        training_level="pre_technician",
    )
    coach = make_coach("陈老师", department=department)
    skill, _ = Skill.objects.get_or_create(name="移动机器人", defaults={"name_en": "Mobile Robotics"})
    return {"department": department, "major": major, "student": student, "coach": coach, "skill": skill}


def grow(world: dict, start: int, stop: int) -> None:
    """Add units `start`..`stop - 1`. Each is a competition (levels and years vary) with:
    a team entry in the skill for the world's student, coached by the world's coach and another,
    with a new team mate of the department and an outside member, and a photo tagged on it;
    an outside organization's entry in the same event; an event the coach competes in;
    and one more student, coach and major of the department."""
    student, coach, skill, department = world["student"], world["coach"], world["skill"], world["department"]
    for i in range(start, stop):
        competition = make_competition(f"技能大赛{i}", year=2015 + i % 10, level=LEVELS[i % len(LEVELS)])
        event = make_event(competition, name=f"移动机器人{i}", skill=skill, is_team=True)
        mate = make_student(
            f"队友{i}",
            student_number=f"2022{i:06d}",
            department=department,
            major=make_major(f"专业{i}", department=department),
            cohort_year=2020 + i % 4,
        )
        entry = make_entry(
            event,
            members=[student, mate, f"外校选手{i}"] if i % 3 else [mate, f"外校选手{i}"],
            award=AWARDS[i % len(AWARDS)],
            coaches=[coach, make_coach(f"助理教练{i}", department=department)],
            rank=i % 5 + 1,
            score=f"{90 - i}.5",
        )
        make_entry(event, members=[f"他校选手{i}"], award="铜牌", organization=f"学院{i % 4}", rank=9)
        photo = Photo.objects.create(competition=competition, image=jpeg(), caption=f"照片{i}")
        photo.entries.add(entry)
        teacher_event = make_event(competition, name=f"教师赛{i}")
        make_entry(teacher_event, members=[coach], award="二等奖")
