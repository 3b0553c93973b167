"""A realistic, deterministic synthetic data set for benchmarks (`generate_synthetic`).

Shape, for N entries: ~2,000 organizations (one of them the home college), ~0.2·N home students,
~N/100 coaches, 20+ years of competitions at every level and category, events with individual and
2–3 person teams, ties, every award tier, and photo records without files. Everything is written
with bulk inserts in batches; the same seed gives the same data.

Synthetic rows are not written to the audit trail: they are benchmark data, not anybody's edits.
"""

import random
from collections.abc import Callable

from django.db import connection, transaction

from competitions.aggregates import rebuild
from competitions.models import (
    Award,
    Category,
    Competition,
    Entry,
    EntryCoach,
    EntryMember,
    Event,
    Level,
    Organization,
    Photo,
    Skill,
)
from students.models import Coach, Department, Major, Student

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红兰文辉力斌宇浩凯健俊帆鑫博泽永壕玮昊林家志嘉子晨欣怡宏兴鹏飞龙海峰建国天翔佳琪梓涵思远"
SKILLS = [
    "移动机器人",
    "机电一体化",
    "机器人系统集成",
    "3D数字游戏艺术",
    "工业控制",
    "电气装置",
    "数控车",
    "数控铣",
    "焊接",
    "汽车技术",
    "汽车喷漆",
    "网络系统管理",
    "网站技术",
    "云计算",
    "信息网络布线",
    "印刷媒体技术",
    "平面设计技术",
    "时装技术",
    "美容",
    "美发",
    "烹饪（西餐）",
    "餐厅服务",
    "酒店接待",
    "货运代理",
    "化学实验室技术",
    "水处理技术",
    "光电技术",
    "增材制造",
    "工业4.0",
    "数字建造",
    "砌筑",
    "瓷砖贴面",
    "精细木工",
    "家具制作",
    "管道与制暖",
    "制冷与空调",
    "塑料模具工程",
    "原型制作",
    "飞机维修",
    "车身修理",
    "机动车检测工",
    "汽车电器维修工",
    "仪器仪表维修工",
    "电工",
    "钳工",
    "车工",
    "茶艺",
    "健康和社会照护",
]
SPORTS = ["男子足球", "女子三人篮球", "男子三人篮球", "乒乓球", "武术", "集体跳绳", "南狮", "4x100米接力"]
LEVEL_WEIGHTS = [
    (Level.SCHOOL, 30),
    (Level.MUNICIPAL, 25),
    (Level.PROVINCIAL, 20),
    (Level.REGIONAL, 8),
    (Level.INDUSTRY, 8),
    (Level.NATIONAL, 7),
    (Level.WORLD, 2),
]
CATEGORY_WEIGHTS = [
    (Category.SKILLS, 70),
    (Category.TEACHER, 8),
    (Category.SPORTS, 10),
    (Category.ARTS, 5),
    (Category.INNOVATION, 5),
    (Category.OTHER, 2),
]
AWARDS_BY_RULE = {
    "medals": ["金牌", "银牌", "铜牌", "优胜奖"],
    "prizes": ["一等奖", "二等奖", "三等奖", "优秀奖"],
    "titles": ["冠军", "亚军", "季军", "优胜奖"],
}
BATCH = 5000
HOME_NAME = "本校（示例）"


class Generator:
    def __init__(
        self,
        *,
        entries: int,
        seed: int,
        first_year: int = 2003,
        years: int = 22,
        log: Callable[[str], None] = print,
    ) -> None:
        self.target = entries
        self.random = random.Random(seed)
        self.first_year, self.years = first_year, years
        self.log = log

    def name(self) -> str:
        r = self.random
        return r.choice(SURNAMES) + "".join(r.choice(GIVEN) for _ in range(r.choice((1, 2, 2))))

    def weighted(self, pairs):
        values, weights = zip(*pairs, strict=True)
        return self.random.choices(values, weights)[0]

    @transaction.atomic
    def run(self) -> dict[str, int]:
        r = self.random
        n = self.target
        awards = {award.label: award for award in Award.objects.all()}
        home = Organization.home() or Organization.objects.create(
            name=HOME_NAME, is_home=True, is_illustrative=True
        )
        organizations = Organization.objects.bulk_create(
            [Organization(name=f"示例单位{i:04d}", is_illustrative=True) for i in range(1, 2000)],
            batch_size=BATCH,
        )
        organizations = [home, *organizations]
        departments = Department.objects.bulk_create(
            [Department(name=f"示例系{i:02d}") for i in range(1, 13)], batch_size=BATCH
        )
        majors = Major.objects.bulk_create(
            [Major(name=f"示例专业{i:02d}", department=d) for d in departments for i in range(1, 4)],
            batch_size=BATCH,
        )
        students = []
        for i in range(max(10, n // 5)):
            major = r.choice(majors)
            student = Student(
                name=self.name(),
                student_number=f"S{seed_prefix(self.target)}{i:07d}",
                department_id=major.department_id,
                major=major,
                class_name=f"{major.name}{r.randint(1, 6)}班",
                cohort_year=self.first_year + r.randrange(self.years),
                training_level=r.choice(Student.TrainingLevel.values),
            )
            student.fill_search_keys()
            students.append(student)
        students = Student.objects.bulk_create(students, batch_size=BATCH)
        coaches = []
        for _ in range(max(5, n // 100)):
            coach = Coach(name=self.name(), department=r.choice(departments))
            coach.fill_search_keys()
            coaches.append(coach)
        coaches = Coach.objects.bulk_create(coaches, batch_size=BATCH)
        skills = Skill.objects.bulk_create([Skill(name=name) for name in SKILLS + SPORTS], batch_size=BATCH)
        skill_by_name = {skill.name: skill for skill in skills}
        self.log(
            f"people: {len(organizations)} organizations, {len(students)} students, {len(coaches)} coaches"
        )

        # Competitions of ~300 entries each: more history means more competitions, not bigger ones.
        made = 0
        competition_count = 0
        photo_rows = []
        while made < n:
            year = self.first_year + competition_count % self.years
            level = self.weighted(LEVEL_WEIGHTS)
            category = self.weighted(CATEGORY_WEIGHTS)
            competition = Competition.objects.create(
                name=f"示例{Level(level).label}赛第{competition_count + 1}届",
                edition=competition_count + 1,
                year=year,
                level=level,
                category=category,
                is_illustrative=True,
            )
            competition_count += 1
            pool = SPORTS if category == Category.SPORTS else SKILLS
            rule = r.choice(list(AWARDS_BY_RULE))
            events = []
            for skill_name in r.sample(pool, k=min(len(pool), r.randint(5, 25))):
                team = r.random() < 0.35
                size = r.choice((2, 3)) if team else 1
                events.append(
                    Event(
                        competition=competition,
                        skill=skill_by_name[skill_name],
                        name=skill_name,
                        is_team=team,
                        min_team_size=size,
                        max_team_size=size,
                        is_selection=level == Level.NATIONAL and r.random() < 0.4,
                    )
                )
            events = Event.objects.bulk_create(events)
            budget = min(n - made, r.randint(150, 450))
            entries, members, coachings = [], [], []
            per_event = max(1, budget // len(events))
            for event in events:
                size = event.max_team_size
                taken_students: set[int] = set()
                count = min(per_event, n - made - len(entries))
                if count <= 0:
                    break
                rank = 0
                for position in range(count):
                    # About one place in twelve is a tie with the place above.
                    if position == 0 or r.random() > 1 / 12:
                        rank = position + 1
                    organization = home if r.random() < 0.35 else r.choice(organizations)
                    entry = Entry(
                        event=event,
                        organization=organization,
                        rank=rank,
                        award=self.award_for(awards, rule, rank, count),
                        score=f"{r.uniform(40, 100):.2f}",
                    )
                    entries.append(entry)
                    people = []
                    if organization.is_home:
                        for _ in range(size if r.random() < 0.9 else 0):
                            student = r.choice(students)
                            if student.pk not in taken_students:
                                taken_students.add(student.pk)
                                people.append(student)
                    else:
                        people = [self.name() for _ in range(size)] if r.random() < 0.8 else []
                    members.append(people)
                    coachings.append(r.sample(coaches, k=r.choice((0, 1, 1, 2))))
            Entry.objects.bulk_create(entries, batch_size=BATCH)
            member_rows = []
            for entry, people in zip(entries, members, strict=True):
                for position, person in enumerate(people, start=1):
                    if isinstance(person, Student):
                        member_rows.append(
                            EntryMember(
                                entry=entry,
                                event_id=entry.event_id,
                                position=position,
                                name=person.name,
                                student=person,
                            )
                        )
                    else:
                        member_rows.append(
                            EntryMember(entry=entry, event_id=entry.event_id, position=position, name=person)
                        )
            EntryMember.objects.bulk_create(member_rows, batch_size=BATCH)
            EntryCoach.objects.bulk_create(
                [
                    EntryCoach(entry=entry, coach=coach)
                    for entry, chosen in zip(entries, coachings, strict=True)
                    for coach in chosen
                ],
                batch_size=BATCH,
            )
            for _ in range(r.randint(0, 5)):
                photo_rows.append(
                    Photo(
                        competition=competition,
                        image=f"photos/synthetic/{len(photo_rows)}.jpg",
                        caption=f"{competition.name} 现场",
                    )
                )
            made += len(entries)
            if competition_count % 200 == 0:
                self.log(f"  {made} entries in {competition_count} competitions")
        Photo.objects.bulk_create(photo_rows, batch_size=BATCH)
        self.log("  counting the tallies")
        rebuild()
        # Fresh planner statistics after a bulk load (autovacuum or PRAGMA optimize would, later).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return {
            "entries": made,
            "competitions": competition_count,
            "students": len(students),
            "organizations": len(organizations),
            "photos": len(photo_rows),
        }

    def award_for(self, awards, rule, rank, count):
        """Awards as a competition hands them out: top 3 and then excellence for the top half."""
        labels = AWARDS_BY_RULE[rule]
        if rank <= 3:
            return awards[labels[rank - 1]]
        if rank <= count // 2:
            return awards[labels[3]]
        if self.random.random() < 0.02:
            return awards["入围国家集训队"]
        return None


def seed_prefix(entries: int) -> str:
    return f"{entries:x}"


def generate(*, entries: int, seed: int, log=print) -> dict[str, int]:
    return Generator(entries=entries, seed=seed, log=log).run()
