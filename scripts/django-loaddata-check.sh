#!/usr/bin/env bash
# Proof that userdb's Django fixtures work both ways with a real Django:
#   1. users made by userdb -> `userdb export --format django` -> `manage.py loaddata`
#      into a custom user model (AbstractUser without username, email unique); Django
#      then checks their passwords (argon2 made by userdb, pbkdf2 imported from Django)
#      and their custom fields (integer, date, boolean, text);
#   2. a user made by Django -> `manage.py dumpdata` -> `userdb import --format django`
#      -> `userdb authenticate`, custom fields included;
#   3. Django's groups and permissions (a custom permission among them) ->
#      `dumpdata auth.group accounts.customuser --natural-foreign` -> `userdb import`
#      -> `userdb export --format django` -> `loaddata` into a flushed database: every
#      user gets the same `get_all_permissions()` as before;
#   4. `userdb export --natural` -> `loaddata` into a database whose pks differ: the
#      users are found by email and updated, none duplicated.
# Needs python3 with venv and network access to PyPI (Django, argon2-cffi, bcrypt).
#
#   scripts/django-loaddata-check.sh [path/to/userdb]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/release/userdb}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q django argon2-cffi bcrypt
py="$work/venv/bin/python"
echo "Django $("$py" -c 'import django; print(django.get_version())')"

# A throwaway project with the custom user model of the recipe.
mkdir "$work/proj"
"$work/venv/bin/django-admin" startproject proj "$work/proj"
mkdir -p "$work/proj/accounts/migrations"
touch "$work/proj/accounts/__init__.py" "$work/proj/accounts/migrations/__init__.py"
cat > "$work/proj/accounts/models.py" <<'PY'
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models


class CustomUserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra_fields):
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class CustomUser(AbstractUser):
    username = None
    email = models.EmailField(unique=True)
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []
    objects = CustomUserManager()

    class Meta:
        # Not one of Django's default permissions: its model comes from the fixture.
        permissions = [("publish_report", "Can publish reports")]
    # The custom fields of userdb's config below (null: userdb writes null when unset).
    employee_no = models.IntegerField(null=True, blank=True, unique=True)
    born = models.DateField(null=True, blank=True)
    vip = models.BooleanField(default=False)
    nickname = models.CharField(max_length=255, null=True, blank=True)
PY
cat >> "$work/proj/proj/settings.py" <<'PY'
INSTALLED_APPS += ["accounts"]
AUTH_USER_MODEL = "accounts.CustomUser"
USE_TZ = True
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PY
manage() { (cd "$work/proj" && "$py" manage.py "$@"); }
manage makemigrations accounts -v 0
manage migrate -v 0

export USERDB_DB="$work/userdb.sqlite3" HOME="$work" USERDB_CONFIG="$work/userdb.toml"
cat > "$USERDB_CONFIG" <<'TOML'
[fields.employee_no]
type = "integer"
unique = true
[fields.born]
type = "date"
[fields.vip]
type = "boolean"
default = false
[fields.nickname]
type = "text"
TOML
pass="correct horse battery staple"
printf '%s\n' "$pass" | "$bin" createuser ada@example.com --first-name Ada --staff --password-stdin \
    --set employee_no=7 --set born=1815-12-10 --set vip=yes --set nickname=Countess
printf '%s\n' "$pass" | "$bin" authenticate ada@example.com --password-stdin
"$bin" createuser NoPass@Example.COM --no-password --inactive
pbkdf2=$(grep '"pbkdf2_sha256"' tests/data/django-hash-vectors.jsonl | head -1 | "$py" -c 'import json,sys; print(json.load(sys.stdin)["encoded"])')
printf 'email,is_superuser,is_staff,password_hash\nold@example.com,true,true,%s\n' "$pbkdf2" |
    "$bin" import - --format csv
"$bin" export --format django --output "$work/users.json"

echo "== 1. loaddata of userdb's export"
manage loaddata "$work/users.json"
manage shell -c '
from django.contrib.auth import get_user_model, authenticate
User = get_user_model()
users = {u.email: u for u in User.objects.all()}
assert sorted(users) == ["NoPass@example.com", "ada@example.com", "old@example.com"], sorted(users)
ada = users["ada@example.com"]
assert ada.check_password("correct horse battery staple") and not ada.check_password("wrong")
assert ada.is_staff and not ada.is_superuser and ada.first_name == "Ada" and ada.last_login is not None
import datetime
assert (ada.employee_no, ada.born, ada.vip, ada.nickname) == (7, datetime.date(1815, 12, 10), True, "Countess")
old = users["old@example.com"]
assert (old.employee_no, old.born, old.vip, old.nickname) == (None, None, False, None)
assert authenticate(email="old@example.com", password="correct horse battery staple").is_superuser
assert not users["NoPass@example.com"].has_usable_password() and not users["NoPass@example.com"].is_active
print("ok: Django loaded %d users and checked their passwords" % len(users))
'

echo "== 2. userdb import of Django's dumpdata"
manage shell -c '
from django.contrib.auth import get_user_model
import datetime
get_user_model().objects.create_user("django@example.com", "made by django 1", first_name="Dj",
    employee_no=42, born=datetime.date(2000, 1, 31), vip=True, nickname="Dj")
'
manage dumpdata accounts.customuser --indent 2 > "$work/dump.json"
rm -f "$work"/userdb.sqlite3*
"$bin" import "$work/dump.json" --format django
printf '%s\n' "made by django 1" | "$bin" authenticate django@example.com --password-stdin
printf '%s\n' "$pass" | "$bin" authenticate ada@example.com --password-stdin
"$bin" export --format jsonl | "$py" -c '
import json, sys
row = next(r for r in map(json.loads, sys.stdin) if r["email"] == "django@example.com")
got = [row[k] for k in ("employee_no", "born", "vip", "nickname")]
assert got == [42, "2000-01-31", True, "Dj"], got
'
echo "ok: userdb imported Django's fixture, custom fields included, and its users authenticate"

echo "== 3. Django's groups and permissions through userdb and back"
manage shell -c '
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
p = lambda code: Permission.objects.get(codename=code)
editors = Group.objects.create(name="editors")
editors.permissions.set([p("publish_report"), p("change_customuser")])
ops = Group.objects.create(name="R&D, ops")
ops.permissions.set([p("view_group")])
Group.objects.create(name="empty")
user = get_user_model().objects.get(email="django@example.com")
user.groups.set([editors, ops])
user.user_permissions.set([p("add_customuser")])
ada = get_user_model().objects.get(email="ada@example.com")
ada.groups.set([ops])
'
answers() {
    manage shell -c '
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
for u in get_user_model().objects.order_by("email"):
    print(u.email, sorted(g.name for g in u.groups.all()), sorted(u.get_all_permissions()))
for g in Group.objects.order_by("name"):
    print(g.name, sorted(p.codename for p in g.permissions.all()))
'
}
before=$(answers)
echo "$before"
manage dumpdata auth.group accounts.customuser --natural-foreign --indent 2 > "$work/groups.json"
rm -f "$work"/userdb.sqlite3*
"$bin" import "$work/groups.json"
"$bin" has-perm django@example.com accounts.publish_report accounts.add_customuser auth.view_group
"$bin" export --format django --output "$work/back.json"
manage flush --no-input
manage loaddata "$work/back.json"
after=$(answers)
[ "$before" = "$after" ] || { echo "before:"; echo "$before"; echo "after:"; echo "$after"; exit 1; }
echo "ok: Django's groups and permissions came back from userdb with the same has_perm answers"

echo "== 4. export --natural into a database whose pks differ"
"$bin" export --format django --natural --output "$work/natural.json"
manage flush --no-input
manage shell -c '
from django.contrib.auth import get_user_model
User = get_user_model()
User.objects.create_user("first@example.com", None)
User.objects.create_user("django@example.com", "made by django 1", first_name="Old")
'
manage loaddata "$work/natural.json"
manage shell -c '
from django.contrib.auth import get_user_model
User = get_user_model()
emails = sorted(User.objects.values_list("email", flat=True))
assert emails == ["NoPass@example.com", "ada@example.com", "django@example.com",
                  "first@example.com", "old@example.com"], emails
dj = User.objects.get(email="django@example.com")
assert dj.first_name == "Dj" and dj.pk == 2, (dj.first_name, dj.pk)
assert dj.has_perm("accounts.publish_report") and dj.has_perm("auth.view_group")
assert not User.objects.get(email="first@example.com").groups.exists()
'
echo "ok: a --natural fixture updated the right users of a database whose pks differ"
