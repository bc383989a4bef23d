"""The maintained skill list every community starts from (editable in the admin)."""

from django.db import migrations

SKILLS = [
    ("haircut", "理发", "生活服务"),
    ("cleaning", "家政保洁", "生活服务"),
    ("meal_delivery", "助餐送餐", "生活服务"),
    ("appliance_repair", "家电维修", "维修"),
    ("plumbing_electrical", "水电维修", "维修"),
    ("medical_escort", "陪诊就医", "健康"),
    ("nursing", "医疗护理", "健康"),
    ("counselling", "心理疏导", "关爱"),
    ("companionship", "陪伴聊天", "关爱"),
    ("digital_help", "手机电脑教学", "教育"),
    ("tutoring", "课业辅导", "教育"),
    ("legal_advice", "法律咨询", "咨询"),
    ("performance", "文艺表演", "文体"),
    ("photography", "摄影宣传", "文体"),
]


def add_skills(apps, schema_editor):
    Skill = apps.get_model("volunteers", "Skill")
    for code, name, category in SKILLS:
        Skill.objects.get_or_create(code=code, defaults={"name": name, "category": category})


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]
    operations = [migrations.RunPython(add_skills, migrations.RunPython.noop)]
