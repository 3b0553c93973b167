"""The office changes what was created: competitions, events (earlier names kept for imports) and
the award vocabulary, with history; teachers read, never change."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import escape

from competitions import roles
from competitions.aggregates import verify
from competitions.importing import import_sheet
from competitions.models import Award, Competition, Entry, Event, EventAlias, TallyPeriod, TallyTotal, Tier
from tests.competitions.test_import import csv_bytes
from tests.factories import make_competition, make_entry, make_event, make_organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def office_client(client, django_user_model):
    user = django_user_model.objects.create_user("office-user", password="a-long-test-password")
    user.groups.add(Group.objects.get(name=roles.OFFICE))
    client.force_login(user)
    return client


@pytest.fixture
def teacher_client(client, django_user_model):
    user = django_user_model.objects.create_user("teacher-user", password="a-long-test-password")
    user.groups.add(Group.objects.get(name=roles.TEACHERS))
    client.force_login(user)
    return client


def competition_data(competition: Competition, **changes) -> dict:
    data = {
        "name": competition.name,
        "edition": competition.edition or "",
        "year": competition.year,
        "start_date": "",
        "end_date": "",
        "host": competition.host,
        "level": competition.level,
        "category": competition.category,
        "award_rule": competition.award_rule,
        "notes": competition.notes,
    }
    return {**data, **changes}


# ---------------------------------------------------------------------------------------------
# Competitions


def test_the_office_edits_every_fact_of_a_competition_and_the_tallies_follow(office_client):
    competition = make_competition("广东省第三届职业技能大赛", year=2023, level="provincial")
    make_entry(make_event(competition), award="金牌", organization="本校技师学院")
    url = reverse("competitions:competition-edit", args=[competition.pk])
    assert office_client.get(url).status_code == 200
    response = office_client.post(
        url,
        competition_data(
            competition,
            name="广东省第三届职业技能大赛（决赛）",
            year=2024,
            level="national",
            award_rule="medals_half",
            host="广东省人社厅",
            start_date="2024-05-20",
            end_date="2024-05-22",
        ),
    )
    assert response.status_code == 302
    competition.refresh_from_db()
    assert (competition.name, competition.year, competition.level, competition.award_rule) == (
        "广东省第三届职业技能大赛（决赛）",
        2024,
        "national",
        "medals_half",
    )
    # The medal moved to 2024's national cell of the period tallies.
    assert not TallyPeriod.objects.filter(year=2023).exists()
    assert TallyPeriod.objects.filter(year=2024, level="national", gold__gt=0).exists()
    assert verify() == []
    record = competition.history.latest("history_date")
    assert (record.year, record.history_user.username) == (2024, "office-user")
    page = office_client.get(competition.get_absolute_url()).content.decode()
    assert "Top 3 gold/silver/bronze, excellence for the rest of the top half" in page  # the award rule


def test_a_competition_cannot_take_the_name_and_year_of_another(office_client):
    make_competition("振兴杯", year=2023)
    competition = make_competition("振兴杯（省赛）", year=2023)
    url = reverse("competitions:competition-edit", args=[competition.pk])
    response = office_client.post(url, competition_data(competition, name="振兴杯"))
    assert response.status_code == 200 and "is already recorded" in response.content.decode()
    competition.refresh_from_db()
    assert competition.name == "振兴杯（省赛）"
    # Saving it under its own name and year is no clash.
    assert office_client.post(url, competition_data(competition, host="团中央")).status_code == 302


def test_the_office_sets_who_is_out_of_the_ranking(office_client):
    competition = make_competition()
    event = make_event(competition)
    make_entry(event, organization="中国")
    make_entry(event, organization="邀请队", award="银牌")
    guest = make_organization("邀请队")
    url = reverse("competitions:competition-edit", args=[competition.pk])
    form = office_client.get(url).context["form"]
    assert {o.name for o in form.fields["unranked_organizations"].queryset} == {"中国", "邀请队"}
    office_client.post(url, competition_data(competition, unranked_organizations=[guest.pk]))
    assert list(competition.unranked_organizations.all()) == [guest]
    both = competition_data(competition, unranked_organizations=[guest.pk], excluded_organizations=[guest.pk])
    response = office_client.post(url, both)
    assert "left out of the table at once: 邀请队" in response.content.decode()


def test_teachers_cannot_edit_a_competition(teacher_client):
    competition = make_competition("原名")
    url = reverse("competitions:competition-edit", args=[competition.pk])
    assert teacher_client.post(url, competition_data(competition, name="新名")).status_code == 403
    competition.refresh_from_db()
    assert competition.name == "原名"


# ---------------------------------------------------------------------------------------------
# Events


def event_data(**fields) -> dict:
    data = {"name": "移动机器人", "skill_name": "", "min_team_size": 1, "max_team_size": 1}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not False}


def test_the_office_adds_an_event(office_client):
    competition = make_competition()
    url = reverse("competitions:event-add", args=[competition.pk])
    response = office_client.post(
        url, event_data(name="机电一体化", is_team="on", min_team_size=2, max_team_size=3, is_selection="on")
    )
    assert response.status_code == 302
    event = Event.objects.get(competition=competition, name="机电一体化")
    assert (event.is_team, event.min_team_size, event.max_team_size, event.is_selection) == (True, 2, 3, True)
    assert event.skill.name == "机电一体化"
    assert event.history.get().history_user.username == "office-user"
    # A second event of that name is refused.
    response = office_client.post(url, event_data(name="机电一体化"))
    assert "already has an event named" in response.content.decode()
    assert competition.events.count() == 1


def test_an_individual_event_holds_one_member(office_client):
    competition = make_competition()
    url = reverse("competitions:event-add", args=[competition.pk])
    office_client.post(url, event_data(name="焊接", min_team_size=3, max_team_size=5))
    event = Event.objects.get(name="焊接")
    assert (event.is_team, event.min_team_size, event.max_team_size) == (False, 1, 1)


SHEET_HEADER = ["赛事", "年份", "级别", "赛项", "单位", "选手", "奖项", "名次"]


def test_a_renamed_event_keeps_its_old_name_so_an_old_sheet_adds_nothing(office_client):
    rows = [
        SHEET_HEADER,
        ["第47届世界技能大赛", "2023", "世界", "移动机器人", "中国", "甲、乙", "金牌", "1"],
        ["第47届世界技能大赛", "2023", "世界", "移动机器人", "日本", "丙、丁", "银牌", "2"],
    ]
    assert import_sheet(csv_bytes(rows), "r.csv").errors == []
    event = Event.objects.get(name="移动机器人")
    url = reverse("competitions:event-edit", args=[event.pk])
    data = event_data(name="移动机器人（团体）", is_team="on", min_team_size=2, max_team_size=2)
    assert office_client.post(url, data).status_code == 302
    event.refresh_from_db()
    assert event.name == "移动机器人（团体）"
    assert list(event.aliases.values_list("name", flat=True)) == ["移动机器人"]

    plan = import_sheet(csv_bytes(rows), "r.csv")
    assert plan.errors == [] and plan.new_events == []
    assert Entry.objects.count() == 2 and Event.objects.count() == 1
    # A new row under the old name goes into the renamed event too.
    rows.append(["第47届世界技能大赛", "2023", "世界", "移动机器人", "韩国", "戊、己", "铜牌", "3"])
    import_sheet(csv_bytes(rows), "r.csv")
    assert Entry.objects.filter(event=event).count() == 3 and Event.objects.count() == 1


def test_renaming_back_drops_the_earlier_name_and_an_earlier_name_is_not_a_new_events_name(office_client):
    event = make_event(name="甲赛项")
    url = reverse("competitions:event-edit", args=[event.pk])
    office_client.post(url, event_data(name="乙赛项"))
    response = office_client.post(
        reverse("competitions:event-add", args=[event.competition_id]), event_data(name="甲赛项")
    )
    assert "is an earlier name of the event “乙赛项”" in response.content.decode()
    office_client.post(url, event_data(name="甲赛项"))
    event.refresh_from_db()
    assert event.name == "甲赛项"
    assert list(EventAlias.objects.values_list("name", flat=True)) == ["乙赛项"]


def test_a_smaller_team_is_refused_naming_the_entries_that_do_not_fit(office_client):
    event = make_event(name="机器人系统集成", is_team=True, max_team_size=3)
    make_entry(event, members=["张三", "李四", "王五"], organization="广州队")
    make_entry(event, members=["赵六", "钱七"], organization="深圳队")
    url = reverse("competitions:event-edit", args=[event.pk])
    response = office_client.post(
        url, event_data(name="机器人系统集成", is_team="on", min_team_size=1, max_team_size=2)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "These entries name more than 2 members" in page and escape("广州队（张三、李四、王五）") in page
    assert "深圳队" not in page.split("These entries")[1].split("</")[0]
    event.refresh_from_db()
    assert event.max_team_size == 3
    # Made an individual event: both teams are named.
    response = office_client.post(url, event_data(name="机器人系统集成"))
    assert escape("深圳队（赵六、钱七）") in response.content.decode()
    event.refresh_from_db()
    assert event.is_team and event.name == "机器人系统集成"


def test_an_event_is_removed_only_when_it_has_no_entries(office_client):
    event = make_event(name="有成绩的赛项")
    entry = make_entry(event)
    url = reverse("competitions:event-edit", args=[event.pk])
    response = office_client.post(url, {"remove": "1"}, follow=True)
    assert "has entries: delete them first" in response.content.decode()
    assert Event.objects.filter(pk=event.pk).exists()
    entry.delete()
    page = office_client.get(url).content.decode()
    assert "1 deleted entry of this event can no longer be restored" in page
    response = office_client.post(url, {"remove": "1"})
    assert response.status_code == 302 and not Event.objects.filter(pk=event.pk).exists()
    assert Event.history.filter(id=event.pk, history_type="-").get().history_user.username == "office-user"


def test_teachers_cannot_add_change_or_remove_events(teacher_client):
    event = make_event(name="原赛项")
    assert (
        teacher_client.post(reverse("competitions:event-edit", args=[event.pk]), {"remove": "1"}).status_code
        == 403
    )
    add = reverse("competitions:event-add", args=[event.competition_id])
    assert teacher_client.post(add, event_data(name="新赛项")).status_code == 403
    assert Event.objects.get().name == "原赛项"


# ---------------------------------------------------------------------------------------------
# The award vocabulary


NAMED_AWARD = "百县千镇万村高质量发展贡献奖"


def test_the_office_adds_a_label_with_its_tier(office_client):
    url = reverse("competitions:award-list")
    response = office_client.post(url, {"new-label": f"  {NAMED_AWARD} ", "new-tier": "other"})
    assert response.status_code == 302
    award = Award.objects.parse(NAMED_AWARD)
    assert award.tier == Tier.OTHER and award.history.get().history_user.username == "office-user"
    # The same label again, in another width and spacing, is refused (models.normalize_label).
    response = office_client.post(url, {"new-label": "金 牌", "new-tier": "gold"})
    assert "is already in the vocabulary as “金牌”" in response.content.decode()


def test_changing_a_tier_recounts_the_tallies(office_client):
    award = Award.objects.create(label=NAMED_AWARD, tier=Tier.OTHER)
    make_entry(make_event(), award=award)
    assert not TallyTotal.objects.filter(kind="college", gold__gt=0).exists()
    url = reverse("competitions:award-list")
    response = office_client.post(url, {"award": award.pk, f"award-{award.pk}-tier": "gold"})
    assert response.status_code == 302
    assert TallyTotal.objects.filter(kind="college", gold=1).exists()
    assert verify() == []
    record = award.history.latest("history_date")
    assert (record.tier, record.history_user.username) == ("gold", "office-user")


def test_the_admin_changes_a_tier_through_the_same_service(staff_client):
    award = Award.objects.create(label=NAMED_AWARD, tier=Tier.OTHER)
    make_entry(make_event(), award=award)
    url = reverse("admin:competitions_award_change", args=[award.pk])
    response = staff_client.post(url, {"label": NAMED_AWARD, "tier": "silver"})
    assert response.status_code == 302
    assert TallyTotal.objects.filter(kind="college", silver=1).exists()
    assert verify() == []


def test_teachers_read_the_vocabulary_and_change_nothing(teacher_client):
    url = reverse("competitions:award-list")
    page = teacher_client.get(url).content.decode()
    assert "金牌" in page and "Change tier" not in page and "Add a label" not in page
    assert teacher_client.post(url, {"new-label": NAMED_AWARD, "new-tier": "gold"}).status_code == 403
    assert not Award.objects.filter(label=NAMED_AWARD).exists()


def test_an_unknown_award_links_to_the_vocabulary(office_client):
    event = make_event()
    url = reverse("competitions:event-entries", args=[event.pk])
    data = {
        "version": event.version,
        "page": 1,
        "entries-TOTAL_FORMS": 1,
        "entries-INITIAL_FORMS": 0,
        "entries-0-id": "",
        "entries-0-organization": "中国",
        "entries-0-award": "钻石奖",
    }
    page = office_client.post(url, data).content.decode()
    assert escape("Unknown award “钻石奖”") in page
    assert f'<a href="{reverse("competitions:award-list")}">award vocabulary</a>' in page


# ---------------------------------------------------------------------------------------------
# Links: the competition page's actions and the navigation


def test_the_competition_page_links_the_offices_actions_and_each_entrys_history(office_client):
    event = make_event()
    entry = make_entry(event)
    competition = event.competition
    page = office_client.get(competition.get_absolute_url()).content.decode()
    for url in [
        reverse("competitions:competition-edit", args=[competition.pk]),
        reverse("competitions:event-add", args=[competition.pk]),
        reverse("competitions:competition-weights", args=[competition.pk]),
        reverse("competitions:photo-upload", args=[competition.pk]),
        reverse("competitions:event-edit", args=[event.pk]),
        reverse("competitions:deleted-entries", args=[event.pk]),
        reverse("competitions:entry-history", args=[entry.pk]),
        f"{reverse('competitions:recent-changes')}?competition={competition.pk}",
    ]:
        assert f'href="{url}' in page, url
    assert 'class="hint" href' not in page  # actions are buttons, not grey hints in the filter box


def test_teachers_see_the_reading_links_only(teacher_client):
    event = make_event()
    entry = make_entry(event)
    page = teacher_client.get(event.competition.get_absolute_url()).content.decode()
    assert reverse("competitions:entry-history", args=[entry.pk]) in page
    assert reverse("competitions:deleted-entries", args=[event.pk]) in page
    assert reverse("competitions:competition-weights", args=[event.competition_id]) in page
    assert reverse("competitions:event-edit", args=[event.pk]) not in page
    assert reverse("competitions:competition-edit", args=[event.competition_id]) not in page
    nav = page.split("</nav>")[0]
    assert reverse("competitions:recent-changes") in nav and reverse("competitions:award-list") in nav
    assert reverse("competitions:competition-create") not in nav


def test_the_offices_actions_are_one_menu_in_the_navigation(office_client):
    page = office_client.get(reverse("competitions:competition-list")).content.decode()
    nav = page.split("</nav>")[0]
    menu = nav.split('<li class="nav-menu">')[1]
    assert menu.lstrip().startswith("<details>") and "<summary" in menu
    for name in ["competition-create", "import-upload", "award-list", "recent-changes"]:
        assert reverse(f"competitions:{name}") in menu
    assert reverse("students:duplicates") in menu
    assert "<script>" not in page  # no inline script (the CSP forbids them)


def test_the_vocabulary_page_makes_a_fixed_number_of_queries(office_client, django_assert_max_num_queries):
    event = make_event()
    for index in range(3):
        make_entry(
            event,
            award=Award.objects.create(label=f"贡献奖{index}", tier=Tier.OTHER),
            organization=f"队{index}",
        )
    url = reverse("competitions:award-list")
    with django_assert_max_num_queries(12) as few:
        office_client.get(url)
    for index in range(30):
        Award.objects.create(label=f"纪念奖{index}", tier=Tier.OTHER)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "纪念奖29" in office_client.get(url).content.decode()


@pytest.mark.parametrize("forged", ["abc", "²", "9" * 30, ""])
def test_a_forged_award_id_is_not_found(office_client, forged):
    response = office_client.post(
        reverse("competitions:award-list"), {"award": forged, "award-0-tier": "gold"}
    )
    assert response.status_code == 404


def admin_event_data(event: Event, **changes) -> dict:
    data = {
        "competition": event.competition_id,
        "skill": event.skill_id,
        "name": event.name,
        "min_team_size": event.min_team_size,
        "max_team_size": event.max_team_size,
        "aliases-TOTAL_FORMS": 0,
        "aliases-INITIAL_FORMS": 0,
        "entries-TOTAL_FORMS": 0,
        "entries-INITIAL_FORMS": 0,
    }
    if event.is_team:
        data["is_team"] = "on"
    return {**data, **changes}


def test_the_admin_renames_and_resizes_events_by_the_same_rules(staff_client):
    event = make_event(name="旧名", is_team=True, max_team_size=3)
    make_entry(event, members=["甲", "乙", "丙"], organization="广州队")
    url = reverse("admin:competitions_event_change", args=[event.pk])
    response = staff_client.post(url, admin_event_data(event, max_team_size=2))
    assert response.status_code == 200 and escape("广州队（甲、乙、丙）") in response.content.decode()
    response = staff_client.post(url, admin_event_data(event, name="新名"))
    assert response.status_code == 302, response.content.decode()[:3000]
    event.refresh_from_db()
    assert event.name == "新名" and list(event.aliases.values_list("name", flat=True)) == ["旧名"]
