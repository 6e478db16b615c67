#!/usr/bin/python3
"""
Builds the Django fixtures under test/fixtures/django/ with Django itself.

A real Django 3.2 + DRF 3.14 project is made in a temporary directory
(`django-admin startproject Leads`, `startapp`), migrated, filled with users,
tokens and leads, and dumped:

  dumpdata.json             `manage.py dumpdata ...` of the tutorial's project (SQLite)
  postgres.sql              `pg_dump` of the same project migrated into PostgreSQL
  dumpdata-leads-lead.json  a smaller project whose leads model is `leads.Lead`
  secrets.json              what Django never stores: plaintext passwords, raw tokens,
                            and what an import is expected to do with the odd rows

Everything random (salts, tokens) comes from seeded generators, and every
timestamp is fixed, so a second run writes the same files.

Usage: /usr/bin/python3 scripts/django-fixtures/generate.py   (see README.md beside it)
"""

import base64
import binascii
import datetime
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(REPO, 'test', 'fixtures', 'django')

UTC = datetime.timezone.utc


def at(text):
    """An aware UTC datetime from `YYYY-MM-DDTHH:MM:SS[.ffffff]`."""
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


# The moment the data describes. Live tokens expire in 2099 and expired ones
# before this moment, so the fixtures mean the same thing whenever tests run.
NOW = at('2025-06-01T12:00:00')
LIVE = at('2099-01-01T00:00:00')

SEED = 20251115

# ---------------------------------------------------------------------------
# The algorithms Django does not ship in 3.2
# ---------------------------------------------------------------------------


try:
    from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
    from django.utils.crypto import constant_time_compare
except ImportError:  # main() says what to install
    BasePasswordHasher = object


class ScryptPasswordHasher(BasePasswordHasher):
    """
    Django 4.0's `ScryptPasswordHasher` (django/contrib/auth/hashers.py in
    django/django, added in 4.0; Django 3.2 has none), rewritten here on
    Django 3.2's base class: hashlib.scrypt over the UTF-8 password and the
    ASCII salt, dklen 64, maxmem 0, stored as
    `scrypt$<n>$<salt>$<r>$<p>$<base64 hash>`. 4.0 shipped n=2**14, r=8, p=1;
    later releases keep the format and raise the default parallelism to 5,
    which is why a verifier reads the parameters from the hash.
    """

    algorithm = 'scrypt'
    block_size = 8
    maxmem = 0
    parallelism = 1
    work_factor = 2 ** 14

    def encode(self, password, salt, n=None, r=None, p=None):
        assert password is not None
        assert salt and '$' not in salt
        n = n or self.work_factor
        r = r or self.block_size
        p = p or self.parallelism
        derived = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=self.maxmem, dklen=64)
        return '%s$%d$%s$%d$%d$%s' % (self.algorithm, n, salt, r, p, base64.b64encode(derived).decode('ascii').strip())

    def decode(self, encoded):
        algorithm, work_factor, salt, block_size, parallelism, hash_ = encoded.split('$', 6)
        assert algorithm == self.algorithm
        return {
            'algorithm': algorithm,
            'work_factor': int(work_factor),
            'salt': salt,
            'block_size': int(block_size),
            'parallelism': int(parallelism),
            'hash': hash_,
        }

    def verify(self, password, encoded):
        d = self.decode(encoded)
        again = self.encode(password, d['salt'], d['work_factor'], d['block_size'], d['parallelism'])
        return constant_time_compare(encoded, again)

    def safe_summary(self, encoded):
        d = self.decode(encoded)
        return {'algorithm': d['algorithm'], 'work factor': d['work_factor'], 'salt': mask_hash(d['salt']), 'hash': mask_hash(d['hash'])}

    def must_update(self, encoded):
        d = self.decode(encoded)
        return (d['work_factor'], d['block_size'], d['parallelism']) != (self.work_factor, self.block_size, self.parallelism)

    def harden_runtime(self, password, encoded):
        pass


class ScryptP5PasswordHasher(ScryptPasswordHasher):
    parallelism = 5


def knox42_token(rng):
    """
    django-rest-knox 4.2.0, knox/crypto.py `create_token_string` and
    `hash_token`, and knox/models.py `AuthTokenManager.create`: 64 hex
    characters (AUTH_TOKEN_CHARACTER_LENGTH), the digest is SHA-512
    (SECURE_HASH_ALGORITHM) of the *hex-decoded* bytes, and token_key is the
    first CONSTANTS.TOKEN_KEY_LENGTH = 8 characters (knox/settings.py).
    """
    token = binascii.hexlify(rng.randbytes(64 // 2)).decode()
    digest = binascii.hexlify(hashlib.sha512(binascii.unhexlify(token)).digest()).decode()
    return token, token[:8], digest


def knox5_token(rng, prefix):
    """
    django-rest-knox 5.0.2, knox/crypto.py and knox/models.py: the token is
    TOKEN_PREFIX + 64 hex characters; `hash_token` digests
    `make_hex_compatible(token)`, which is unhexlify(hexlify(utf-8 bytes)),
    i.e. the token's UTF-8 bytes, with hashlib.sha512; token_key is the first
    CONSTANTS.TOKEN_KEY_LENGTH = 15 characters, prefix included, in a column of
    MAXIMUM_TOKEN_PREFIX_LENGTH + 15 = 25 (knox/settings.py). knox limits the
    prefix to 10 characters and nothing else.
    """
    assert len(prefix) <= 10
    token = prefix + binascii.hexlify(rng.randbytes(64 // 2)).decode()
    digest = hashlib.sha512(binascii.unhexlify(binascii.hexlify(bytes(token, 'utf-8')))).hexdigest()
    return token, token[:15], digest


def drf_token(rng):
    """DRF 3.14, rest_framework/authtoken/models.py `Token.generate_key`: hexlify(urandom(20)), stored as the primary key."""
    return binascii.hexlify(rng.randbytes(20)).decode()


BCRYPT_ALPHABET = b'./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
STANDARD_ALPHABET = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'


def bcrypt_salt(rng, rounds=12):
    """What bcrypt.gensalt(rounds) returns (the salt Django's bcrypt hashers take), from seeded bytes instead of os.urandom."""
    body = base64.b64encode(rng.randbytes(16)).rstrip(b'=').translate(bytes.maketrans(STANDARD_ALPHABET, BCRYPT_ALPHABET))
    return b'$2b$%02d$' % rounds + body


# ---------------------------------------------------------------------------
# The data
# ---------------------------------------------------------------------------

# Each row is created in this order, so ids come from the table's own
# sequence as in a real deployment; a `deleted` user (and whatever it owns)
# is deleted afterwards, which leaves the gaps a real database has.
#
# hasher: a PASSWORD_HASHERS algorithm name, or one of the variants below that
# reproduce another Django release's defaults with Django 3.2's classes.
MAIN_USERS = [
    dict(username='admin', email='admin@example.com', password='Leads-admin-2021!', hasher='pbkdf2_sha256',
         note='Django 3.2 default: pbkdf2_sha256 at 260,000 iterations', is_staff=True, is_superuser=True,
         last_login='2025-05-31T09:15:02.481516', date_joined='2021-11-09T10:00:00'),
    dict(username='ada', email='ada@example.com', password='analytical-engine-1843', hasher='pbkdf2_sha256@1500000',
         note='Django 6.1 default: pbkdf2_sha256 at 1,500,000 iterations',
         last_login='2025-06-01T10:00:00.250000', date_joined='2021-11-10T08:30:00.123456'),
    dict(username='deleted-user-3', deleted=True),
    dict(username='bob', email='', password='bobs-pbkdf2-sha1-pass', hasher='pbkdf2_sha1',
         note='pbkdf2_sha1; no email; never logged in', last_login=None, date_joined='2021-11-12T14:02:11'),
    dict(username='carol', email='carol@example.org', password='carol-argon2id-secret', hasher='argon2',
         note='Django 3.2 Argon2PasswordHasher: argon2id, m=102400, t=2, p=8',
         last_login='2025-05-20T17:45:00', date_joined='2022-01-03T09:00:00'),
    dict(username='dave', email='dave@example.net',
         password='dave uses a passphrase longer than bcrypt\'s 72 bytes, which bcrypt_sha256 hashes first: 91 chars',
         hasher='bcrypt_sha256', note='bcrypt_sha256 (rounds 12), a password over 72 bytes',
         last_login='2025-04-01T08:00:00', date_joined='2022-02-14T12:00:00'),
    dict(username='erin', email='erin@example.com', password='erin-plain-bcrypt', hasher='bcrypt',
         note='bcrypt (rounds 12), no SHA-256 step', last_login='2024-12-24T18:30:00', date_joined='2022-03-01T07:00:00'),
    dict(username='frank', email='frank@example.com', password='frank-scrypt-p1', hasher='scrypt',
         note="Django 4.0's ScryptPasswordHasher defaults: n=16384, r=8, p=1",
         last_login='2025-03-03T03:03:03', date_joined='2022-04-04T04:04:04'),
    dict(username='deleted-user-9', deleted=True),
    dict(username='grace', email='grace@example.com', password='grace-scrypt-p5', hasher='scrypt@p5',
         note='scrypt with parallelism 5 (the later default)',
         last_login='2025-05-05T05:05:05', date_joined='2022-05-05T05:05:05'),
    dict(username='heidi', email='heidi@example.com', password=None, hasher='unusable',
         note='make_password(None): unusable, never logs in', last_login=None, date_joined='2022-06-06T06:06:06'),
    dict(username='ivan', email='ivan@example.com', password='ivan-is-inactive', hasher='pbkdf2_sha256',
         note='inactive (is_active=False); right password, still no login', is_active=False,
         last_login='2023-01-01T00:00:00', date_joined='2022-07-07T07:07:07'),
    dict(username='zoë', email='', password='pässwörd-zoë-ñ-ü', hasher='pbkdf2_sha256',
         note='non-ASCII username and password (hashed as UTF-8)', last_login='2025-05-30T22:10:00',
         date_joined='2023-02-02T02:02:02.999999'),
    dict(username='judy.o+leads@example', email='judy@example.com', password='judy-argon2i-from-django-2', hasher='argon2i-django31',
         note="argon2i, m=512, t=2, p=2: Argon2PasswordHasher's defaults up to Django 3.1, kept by users who never logged in since",
         last_login='2020-08-01T12:00:00', date_joined='2020-01-15T10:00:00'),
]

# kind knox5 / knox42 / drf. `prefix` only for knox5.
MAIN_TOKENS = [
    dict(kind='knox5', user='admin', prefix='', created='2025-05-31T09:15:02.481516', expiry=LIVE),
    dict(kind='knox5', user='ada', prefix='lk_', created='2025-06-01T10:00:00.250000', expiry=at('2099-06-01T00:00:00')),
    dict(kind='knox5', user='ada', prefix='', created='2025-01-01T00:00:00', expiry=None, note='TOKEN_TTL None: never expires'),
    dict(kind='knox5', user='carol', prefix='leadsprod_', created='2025-05-20T17:45:00', expiry=LIVE,
         note='a prefix of 10 characters, the most knox allows'),
    dict(kind='knox5', user='dave', prefix='acme-', created='2025-04-01T08:00:00', expiry=LIVE,
         note="a prefix with '-': knox checks only a prefix's length, this API's AUTH_TOKEN_PREFIX allows [A-Za-z0-9_]"),
    dict(kind='knox5', user='bob', prefix='', created='2023-12-31T12:00:00', expiry=at('2024-01-01T00:00:00')),
    dict(kind='knox5', user='zoë', prefix='lk_', created='2024-06-01T00:00:00', expiry=at('2024-06-01T10:00:00')),
    dict(kind='knox5', user='ivan', prefix='', created='2023-01-01T00:00:00', expiry=LIVE, note='owned by an inactive user'),
    dict(kind='knox5', user='deleted-user-9', prefix='', created='2024-01-01T00:00:00', expiry=LIVE),
    dict(kind='knox42', user='erin', created='2022-03-01T07:00:00', expiry=LIVE),
    dict(kind='knox42', user='frank', created='2022-04-04T04:04:04', expiry=None),
    dict(kind='knox42', user='erin', created='2022-03-02T07:00:00', expiry=at('2022-03-02T17:00:00')),
    dict(kind='drf', user='admin', created='2021-11-09T10:05:00'),
    dict(kind='drf', user='bob', created='2022-01-01T00:00:00'),
    dict(kind='drf', user='grace', created='2025-05-05T05:05:05.555555'),
    dict(kind='drf', user='deleted-user-3', created='2021-12-01T00:00:00'),
]

KNOX42_IN_KNOX5 = ("made by knox 4.2 and kept by the migrations to knox 5, which change no row; but knox 5.0's CHANGELOG says "
                   "'Tokens created prior to this release will no longer work': knox 5 looks a token up by its first 15 "
                   "characters (this row's token_key has 8) and digests its UTF-8 bytes, so in the deployment it comes from "
                   "this token no longer authenticates")

# Leads are created with ids 1..MAIN_LEAD_IDS in order; ids not listed here
# are filler rows deleted afterwards, and `cascade` rows belong to a deleted user.
MAIN_LEAD_IDS = 45
MAIN_LEADS = {
    1: dict(owner='deleted-user-3', name='Gone With Its Owner', email='gone@example.com', message='Deleted with user 3.'),
    3: dict(owner='ada', name='Charles Babbage', email='charles@example.com', message='Wants a difference engine.'),
    5: dict(owner='bob', name='Sam Upper', email='SAM@EXAMPLE.COM', message="Same address as carol's lead 9, another owner."),
    7: dict(owner='ada', name='Mary Somerville', email='mary@example.com', message='Translator.'),
    8: dict(owner='carol', name='Grace Brewster', email='brewster@example.com', message='Met at the conference.'),
    9: dict(owner='carol', name='Sam Mixed', email='Sam@Example.com', message='First of two addresses that differ only in case.'),
    10: dict(owner='carol', name='Sam Lower', email='sam@example.com', message='Second of two addresses that differ only in case.'),
    11: dict(owner='deleted-user-9', name='Also Gone', email='also-gone@example.com', message='Deleted with user 9.'),
    12: dict(owner=None, name='Nobody Owns Me', email='orphan@example.com', message="The tutorial's owner is nullable.",
             django_refuses=['owner']),
    14: dict(owner='ivan', name='Inactive Owner Lead', email='ivan-lead@example.com', message='Owned by an inactive user.'),
    17: dict(owner='ada', name='Ada Lovelace', email='ada.lovelace@example.com', message='Interested in the analytical engine.'),
    20: dict(owner='dave', name='Local Mailbox', email='dave-lead@localhost', message="Django's EmailValidator allows the domain localhost."),
    21: dict(owner='dave', name='Blank Message', email='blank@example.com', message='', django_refuses=['message'],
             why_possible="the model has no blank=True, but the ORM saves without validating (a shell or a script wrote it)"),
    22: dict(owner='erin', name='Domain Literal', email='ops@[192.168.0.1]', message="Django's EmailValidator allows an IP literal."),
    30: dict(owner='frank', name='Zoë Ünicode 😀', email='zoe@exämple.com', message='Émoji 🦄 and accents, counted in code points.'),
    23: dict(owner='erin', name='Long Local Part', email=('a' * 65) + '@example.com',
             message="Django's EmailValidator sets no length on the part before the @."),
    31: dict(owner='frank', name='🦄' * 100, email=('b' * 64) + '@' + ('x' * 23) + '.example.com', message='x' * 499 + '🦄',
             note='every field at its maximum length, counted in code points'),
    35: dict(owner='grace', name='Grace Hopper', email='Grace.Hopper@Navy.MIL', message='Mixed-case address, kept as written.'),
    42: dict(owner='admin', name='Admin Lead', email='admin-lead@example.com', message='The answer.'),
    43: dict(owner='zoë', name='Zoë Lead', email='zoe-lead@example.com', message='Owned by a non-ASCII username.'),
    44: dict(owner='heidi', name='Heidi Lead', email='heidi-lead@example.com', message='Owned by a user whose password is unusable.'),
}
FILLER_OWNER = 'admin'

# What an import should do with the rows above that are not plain. The first
# of two same-owner addresses that differ only in case (by id) comes over.
MAIN_ODD_LEADS = [
    dict(id=12, outcome='reported', reason='no-owner', detail="owner is NULL: the tutorial's owner is nullable and no user can see this lead"),
    dict(id=10, outcome='reported', reason='duplicate-email', detail="same owner as lead 9 and the same email but for case; this API's per-owner unique index is case-insensitive"),
    dict(id=20, outcome='reported', reason='invalid-email', detail="'dave-lead@localhost': Django's EmailValidator allows localhost, this API's validator requires a top-level domain"),
    dict(id=21, outcome='reported', reason='blank-message', detail="message is '': this API requires 1-500 characters; " + MAIN_LEADS[21]['why_possible']),
    dict(id=22, outcome='reported', reason='invalid-email', detail="'ops@[192.168.0.1]': Django's EmailValidator allows an IP literal domain, this API's validator does not"),
    dict(id=23, outcome='reported', reason='invalid-email', detail="a local part of 65 characters: Django's EmailValidator sets no limit on it, this API's validator keeps RFC 5321's 64"),
    dict(id=9, outcome='imported', reason=None, detail='the first of the two same-owner addresses that differ only in case'),
    dict(id=5, outcome='imported', reason=None, detail="equals carol's leads 9 and 10 but for case; another owner, so no conflict"),
    dict(id=14, outcome='imported', reason=None, detail='owner is inactive; the user comes over inactive, and the lead with it'),
    dict(id=44, outcome='imported', reason=None, detail='owner has an unusable password'),
    dict(id=31, outcome='imported', reason=None, detail='name 100, email 100 (a local part of 64) and message 500 code points: the maxima of both models and of this API'),
    dict(id=30, outcome='imported', reason=None, detail='non-ASCII name and message, an internationalised email domain'),
]

LEADS_LEAD_USERS = [
    dict(username='olga', email='olga@example.com', password='olga-from-django-3-0', hasher='pbkdf2_sha256@180000',
         note='pbkdf2_sha256 at 180,000 iterations (Django 3.0 default)', last_login='2025-05-29T08:00:00.000001',
         date_joined='2020-03-01T09:00:00'),
    dict(username='deleted-user-2', deleted=True),
    dict(username='peter', email='peter@example.com', password='peter-bcrypt-sha256', hasher='bcrypt_sha256',
         note='bcrypt_sha256 (rounds 12)', last_login=None, date_joined='2020-04-01T09:00:00'),
    dict(username='rita', email='rita@example.com', password='rita-argon2id', hasher='argon2',
         note='argon2id, m=102400, t=2, p=8', last_login='2025-05-01T00:00:00', date_joined='2020-05-01T09:00:00'),
]

# This project runs knox 4.2 (its token_key column is varchar(8)): these
# tokens do authenticate in the deployment they come from.
LEADS_LEAD_TOKENS = [
    dict(kind='knox42', user='olga', created='2025-05-29T08:00:00.000001', expiry=LIVE),
    dict(kind='knox42', user='peter', created='2024-01-01T00:00:00', expiry=None, note='TOKEN_TTL None: never expires'),
    dict(kind='knox42', user='olga', created='2024-02-01T00:00:00', expiry=at('2024-02-01T10:00:00')),
    dict(kind='knox42', user='rita', created='2025-05-01T00:00:00', expiry=at('2099-12-31T23:59:59')),
]

LEADS_LEAD_IDS = 16
LEADS_LEAD_LEADS = {
    2: dict(owner='olga', name='Olga Lead', email='olga-lead@example.com', message='Hello.', created_at='2020-03-02T10:11:12.131415'),
    5: dict(owner='olga', name='Olga Second', email='olga-second@example.com', message='Call back on Monday.', created_at='2021-07-08T09:10:11'),
    6: dict(owner='peter', name='Peter Lead', email='peter-lead@example.com', message='Needs a quote.', created_at='2022-01-01T00:00:00.000001'),
    11: dict(owner='rita', name='Rita No Message', email='rita-lead@example.com', message='', created_at='2023-03-03T03:03:03'),
    13: dict(owner=None, name='Ownerless', email='ownerless@example.com', message='No owner.', created_at='2023-04-04T04:04:04',
             django_refuses=['owner']),
    16: dict(owner='rita', name='Rita Lead', email='rita-second@example.com', message='Newest lead.', created_at='2025-05-31T23:59:59.999999'),
}
LEADS_LEAD_FILLER_OWNER = 'olga'
LEADS_LEAD_ODD_LEADS = [
    dict(id=11, outcome='reported', reason='blank-message', detail="message is '': this model has blank=True, this API requires 1-500 characters"),
    dict(id=13, outcome='reported', reason='no-owner', detail='owner is NULL'),
]

VARIANTS = {
    'main': dict(lead_app='leadsapi', lead_model='LeadModel', knox='5', drf_authtoken=True,
                 users=MAIN_USERS, tokens=MAIN_TOKENS, lead_ids=MAIN_LEAD_IDS, leads=MAIN_LEADS,
                 filler_owner=FILLER_OWNER, odd=MAIN_ODD_LEADS),
    'leads-lead': dict(lead_app='leads', lead_model='Lead', knox='4.2', drf_authtoken=False,
                       users=LEADS_LEAD_USERS, tokens=LEADS_LEAD_TOKENS, lead_ids=LEADS_LEAD_IDS, leads=LEADS_LEAD_LEADS,
                       filler_owner=LEADS_LEAD_FILLER_OWNER, odd=LEADS_LEAD_ODD_LEADS),
}

# ---------------------------------------------------------------------------
# The Django project
# ---------------------------------------------------------------------------

# The tutorial's model (seeds/003): no timestamps, a nullable owner, an email
# unique across all users (case-sensitively, as both SQLite and PostgreSQL
# compare), and a message that may not be blank in forms and serializers.
LEADSAPI_MODELS = '''\
from django.contrib.auth.models import User
from django.db import models
from django.db.models.deletion import CASCADE


class LeadModel(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=100, unique=True)
    message = models.CharField(max_length=500)
    owner = models.ForeignKey(User, related_name="leads", null=True, on_delete=CASCADE)

    def __str__(self):
        return self.name
'''

# The common variant the contract names (a `leads` app with `created_at`).
# Both models claim User.leads, so Django's checks refuse them in one project
# (fields.E304): a deployment has one or the other.
LEADS_MODELS = '''\
from django.contrib.auth.models import User
from django.db import models


class Lead(models.Model):
    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=100, unique=True)
    message = models.CharField(max_length=500, blank=True)
    owner = models.ForeignKey(User, related_name="leads", on_delete=models.CASCADE, null=True)
    created_at = models.DateTimeField(auto_now_add=True)
'''

# knox's AuthToken (knox/models.py, 4.2.0 and 5.0.2): the same columns in
# both; 5.x only widens token_key from 8 to 25 (migration 0009). 4.2.0's
# migration 0008 had already removed `salt`, so neither version has it.
KNOX_MODELS = '''\
from django.conf import settings
from django.db import models

TOKEN_KEY_MAX_LENGTH = 25 if settings.KNOX_VERSION == '5' else 8


class AuthToken(models.Model):
    digest = models.CharField(max_length=128, primary_key=True)
    token_key = models.CharField(max_length=TOKEN_KEY_MAX_LENGTH, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=False, blank=False,
                             related_name='auth_token_set', on_delete=models.CASCADE)
    created = models.DateTimeField(auto_now_add=True)
    expiry = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return '%s : %s' % (self.digest, self.user)
'''

# knox's migrations by name (knox/migrations/ in 4.2.0 and 5.0.2), so that
# django_migrations reads as a real deployment's. The table is created at
# 4.2's final state in the first one; 0009 widens token_key as knox 5's does.
KNOX_MIGRATION_NAMES = [
    '0001_initial', '0002_auto_20150916_1425', '0003_auto_20150916_1526', '0004_authtoken_expires',
    '0005_authtoken_token_key', '0006_auto_20160818_0932', '0007_auto_20190111_0542', '0008_remove_authtoken_salt',
]
KNOX_0001 = '''\
from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    initial = True
    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]
    operations = [
        migrations.CreateModel(
            name='AuthToken',
            fields=[
                ('digest', models.CharField(max_length=128, primary_key=True, serialize=False)),
                ('token_key', models.CharField(db_index=True, max_length=8)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('expiry', models.DateTimeField(blank=True, null=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='auth_token_set', to=settings.AUTH_USER_MODEL)),
            ],
        ),
    ]
'''
KNOX_EMPTY = '''\
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [('knox', '%s')]
    operations = []
'''
KNOX_0009 = '''\
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [('knox', '0008_remove_authtoken_salt')]
    operations = [
        migrations.AlterField(model_name='authtoken', name='token_key', field=models.CharField(db_index=True, max_length=25)),
    ]
'''

SETTINGS_TAIL = '''

# ---- added by scripts/django-fixtures/generate.py ----
import os as _os
import sys as _sys

_sys.path.insert(0, _os.environ['DJANGO_FIXTURES_GENERATOR'])
INSTALLED_APPS += {apps!r}
KNOX_VERSION = {knox!r}
if _os.environ['DJANGO_FIXTURES_DB'] == 'postgresql':
    DATABASES = {{'default': {{
        'ENGINE': 'django.db.backends.postgresql', 'NAME': _os.environ['DJANGO_FIXTURES_PG_NAME'],
        'HOST': _os.environ['DJANGO_FIXTURES_PG_HOST'], 'PORT': _os.environ['DJANGO_FIXTURES_PG_PORT'],
        'USER': _os.environ['DJANGO_FIXTURES_PG_USER'],
    }}}}
TIME_ZONE = 'UTC'
USE_TZ = True
DEFAULT_AUTO_FIELD = 'django.db.models.AutoField'
PASSWORD_HASHERS = [
    'django.contrib.auth.hashers.PBKDF2PasswordHasher',
    'django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher',
    'django.contrib.auth.hashers.Argon2PasswordHasher',
    'django.contrib.auth.hashers.BCryptSHA256PasswordHasher',
    'django.contrib.auth.hashers.BCryptPasswordHasher',
    'generate.ScryptPasswordHasher',
]
'''


def run(args, cwd=None, env=None, stdout=None):
    result = subprocess.run(args, cwd=cwd, env=env, stdout=stdout if stdout is not None else subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout or '')
        sys.stderr.write(result.stderr)
        raise SystemExit('failed: %s' % ' '.join(args))
    return result.stdout


def make_project(root, variant):
    """`django-admin startproject Leads` and `startapp`, as the tutorial does, then the models above."""
    spec = VARIANTS[variant]
    os.makedirs(root)
    run([sys.executable, '-m', 'django', 'startproject', 'Leads', root])
    run([sys.executable, 'manage.py', 'startapp', 'knox'], cwd=root)
    run([sys.executable, 'manage.py', 'startapp', spec['lead_app']], cwd=root)
    with open(os.path.join(root, 'Leads', 'settings.py'), 'a') as f:
        apps = ['rest_framework'] + (['rest_framework.authtoken'] if spec['drf_authtoken'] else []) + ['knox', spec['lead_app']]
        f.write(SETTINGS_TAIL.format(apps=apps, knox=spec['knox']))
    with open(os.path.join(root, spec['lead_app'], 'models.py'), 'w') as f:
        f.write(LEADSAPI_MODELS if spec['lead_app'] == 'leadsapi' else LEADS_MODELS)
    with open(os.path.join(root, 'knox', 'models.py'), 'w') as f:
        f.write(KNOX_MODELS)
    migrations = os.path.join(root, 'knox', 'migrations')
    for i, name in enumerate(KNOX_MIGRATION_NAMES):
        with open(os.path.join(migrations, name + '.py'), 'w') as f:
            f.write(KNOX_0001 if i == 0 else KNOX_EMPTY % KNOX_MIGRATION_NAMES[i - 1])
    if spec['knox'] == '5':
        with open(os.path.join(migrations, '0009_extend_authtoken_field.py'), 'w') as f:
            f.write(KNOX_0009)
    return root


def project_env(variant, db, pg=None):
    env = dict(os.environ, DJANGO_FIXTURES_GENERATOR=HERE, DJANGO_FIXTURES_VARIANT=variant, DJANGO_FIXTURES_DB=db,
               PYTHONIOENCODING='utf-8', TZ='UTC')
    if pg:
        env.update(DJANGO_FIXTURES_PG_NAME=pg['name'], DJANGO_FIXTURES_PG_HOST=pg['host'],
                   DJANGO_FIXTURES_PG_PORT=pg['port'], DJANGO_FIXTURES_PG_USER=pg['user'])
    return env


# ---------------------------------------------------------------------------
# Filling the database (runs inside the Django project: `generate.py populate`)
# ---------------------------------------------------------------------------


def populate(variant):
    """Creates the rows of one variant through Django's ORM and prints what Django never stores, as JSON."""
    import django

    django.setup()
    from django.contrib.auth import hashers
    from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher, check_password, make_password
    from django.contrib.auth.models import User
    from django.core.exceptions import ValidationError
    from django.db import connection
    from django.apps import apps

    spec = VARIANTS[variant]
    rng = random.Random('%s:%s' % (SEED, variant))

    # Django draws every salt (and an unusable password's suffix) from
    # get_random_string; a seeded stand-in makes the hashes reproducible.
    def seeded_random_string(length, allowed_chars=hashers.RANDOM_STRING_CHARS):
        return ''.join(rng.choice(allowed_chars) for _ in range(length))

    hashers.get_random_string = seeded_random_string

    class PBKDF2At(PBKDF2PasswordHasher):
        def __init__(self, iterations):
            self.iterations = iterations

    class Argon2iDjango31(Argon2PasswordHasher):
        """Argon2PasswordHasher as Django 3.1 and earlier configured it: argon2i, m=512, t=2, p=2."""
        time_cost = 2
        memory_cost = 512
        parallelism = 2

        def params(self):
            import argon2
            return argon2.Parameters(type=argon2.low_level.Type.I, version=argon2.low_level.ARGON2_VERSION,
                                     salt_len=argon2.DEFAULT_RANDOM_SALT_LENGTH, hash_len=argon2.DEFAULT_HASH_LENGTH,
                                     time_cost=self.time_cost, memory_cost=self.memory_cost, parallelism=self.parallelism)

    def hash_password(user):
        hasher, password = user['hasher'], user['password']
        if hasher == 'unusable':
            return make_password(None)
        if hasher.startswith('pbkdf2_sha256@'):
            return make_password(password, hasher=PBKDF2At(int(hasher.split('@')[1])))
        if hasher == 'argon2i-django31':
            return make_password(password, hasher=Argon2iDjango31())
        if hasher in ('bcrypt', 'bcrypt_sha256'):
            return make_password(password, salt=bcrypt_salt(rng), hasher=hasher)
        if hasher == 'scrypt@p5':
            return make_password(password, hasher=ScryptP5PasswordHasher())
        return make_password(password, hasher=hasher)

    users, secrets_users = {}, []
    for u in spec['users']:
        if u.get('deleted'):
            user = User.objects.create(username=u['username'], password=make_password('deleted'), email='',
                                       date_joined=at('2021-11-09T10:00:00'))
            users[u['username']] = user
            continue
        encoded = hash_password(u)
        if u['password'] is not None:
            assert check_password(u['password'], encoded), u['username']
            assert not check_password(u['password'] + 'x', encoded), u['username']
        user = User(
            username=u['username'], email=u['email'], password=encoded,
            is_staff=u.get('is_staff', False), is_superuser=u.get('is_superuser', False), is_active=u.get('is_active', True),
            last_login=at(u['last_login']) if u['last_login'] else None, date_joined=at(u['date_joined']),
        )
        user.full_clean()  # every user is one Django's own forms would accept
        user.save()
        users[u['username']] = user
        secrets_users.append(dict(id=user.id, username=user.username, password=u['password'],
                                  hasher=encoded.split('$', 1)[0] if u['password'] is not None else None,
                                  made_with=u['hasher'], usable=u['password'] is not None, is_active=user.is_active, note=u['note']))

    AuthToken = apps.get_model('knox', 'AuthToken')
    secrets_tokens = []
    for t in spec['tokens']:
        user = users[t['user']]
        created = at(t['created'])
        if t['kind'] == 'drf':
            from rest_framework.authtoken.models import Token
            raw = drf_token(rng)
            Token.objects.create(key=raw, user=user)
            Token.objects.filter(key=raw).update(created=created)
            token_key, digest, expiry = None, None, None
        else:
            if t['kind'] == 'knox42':
                raw, token_key, digest = knox42_token(rng)
            else:
                raw, token_key, digest = knox5_token(rng, t['prefix'])
            AuthToken.objects.create(digest=digest, token_key=token_key, user=user, expiry=t['expiry'])
            AuthToken.objects.filter(digest=digest).update(created=created)
            expiry = t['expiry']
        if t['user'].startswith('deleted-'):
            continue
        expired = expiry is not None and expiry <= NOW
        if expired:
            live, why = False, 'expired'
        elif t['kind'] == 'knox42' and spec['knox'] == '5':
            live, why = False, KNOX42_IN_KNOX5
        elif not user.is_active:
            live, why = False, 'the user is inactive: knox answers "User inactive or deleted."'
        else:
            live, why = True, None
        entry = dict(kind=t['kind'], token=raw, username=user.username, user_id=user.id, token_key=token_key, digest=digest,
                     prefix=t.get('prefix') if t['kind'] == 'knox5' else None,
                     created=created.isoformat().replace('+00:00', 'Z'),
                     expiry=expiry.isoformat().replace('+00:00', 'Z') if expiry else None,
                     expired=expired, authenticates_in_django=live)
        if why and not expired:
            entry['why_not'] = why
        if t.get('note'):
            entry['note'] = t['note']
        secrets_tokens.append(entry)

    Lead = apps.get_model(spec['lead_app'], spec['lead_model'])
    has_created_at = any(f.name == 'created_at' for f in Lead._meta.get_fields())
    fillers = []
    for lead_id in range(1, spec['lead_ids'] + 1):
        row = spec['leads'].get(lead_id)
        if row is None:
            row = dict(owner=spec['filler_owner'], name='Filler %d' % lead_id, email='filler-%d@example.com' % lead_id,
                       message='Deleted before the dump.', created_at='2021-01-01T00:00:00')
            fillers.append(lead_id)
        lead = Lead(name=row['name'], email=row['email'], message=row['message'], owner=users[row['owner']] if row['owner'] else None)
        # Model validation (what Django's forms and admin apply) accepts every
        # value here except the ones a row says it refuses: those rows could
        # only have been written through the ORM or a serializer.
        try:
            lead.full_clean()
            refused = set()
        except ValidationError as error:
            refused = set(error.message_dict)
        assert refused == set(row.get('django_refuses', [])), (lead_id, refused)
        lead.save()
        assert lead.id == lead_id, (lead.id, lead_id)
        if has_created_at:
            Lead.objects.filter(id=lead_id).update(created_at=at(row['created_at']))
    Lead.objects.filter(id__in=fillers).delete()
    User.objects.filter(username__startswith='deleted-').delete()

    if connection.vendor == 'postgresql':
        # migrate stamps django_migrations.applied with the wall clock.
        with connection.cursor() as cursor:
            cursor.execute("UPDATE django_migrations SET applied = timestamptz '2021-11-09 10:00:00+00' + id * interval '1 second'")

    lead_ids = sorted(Lead.objects.values_list('id', flat=True))
    reported = sorted(o['id'] for o in spec['odd'] if o['outcome'] == 'reported')
    secrets = dict(
        leads_model='%s.%s' % (spec['lead_app'], Lead.__name__),
        lead_table=Lead._meta.db_table,
        knox_version=spec['knox'],
        users=secrets_users,
        tokens=secrets_tokens,
        leads=dict(ids=lead_ids, reported=reported, imported=[i for i in lead_ids if i not in reported], odd=spec['odd']),
    )
    json.dump(secrets, sys.stdout, ensure_ascii=False)


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------


def build(tmp, variant, db, pg=None):
    root = make_project(os.path.join(tmp, '%s-%s' % (variant, db)), variant)
    env = project_env(variant, db, pg)
    run([sys.executable, 'manage.py', 'makemigrations', VARIANTS[variant]['lead_app']], cwd=root, env=env)
    run([sys.executable, 'manage.py', 'migrate', '--no-input'], cwd=root, env=env)
    secrets = json.loads(run([sys.executable, os.path.join(HERE, 'generate.py'), 'populate', variant], cwd=root,
                             env=dict(env, DJANGO_SETTINGS_MODULE='Leads.settings', PYTHONPATH=root)))
    return root, env, secrets


def dumpdata(root, env, models, path):
    with open(path, 'w', encoding='utf-8') as f:
        run([sys.executable, 'manage.py', 'dumpdata', *models, '--indent', '2'], cwd=root, env=env, stdout=f)


def pg_settings():
    return dict(host=os.environ.get('PGHOST', '127.0.0.1'), port=os.environ.get('PGPORT', '5432'),
                user=os.environ.get('PGUSER', 'postgres'), name='django_fixture_%d' % os.getpid())


def pg_admin(pg, statement):
    import psycopg2

    conn = psycopg2.connect(host=pg['host'], port=pg['port'], user=pg['user'], dbname='postgres')
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()


def pg_dump(pg, path):
    libpq = dict(os.environ, PGHOST=pg['host'], PGPORT=pg['port'], PGUSER=pg['user'], PGTZ='UTC')
    # INSERTs rather than COPY so that the file runs as one simple query
    # through node-postgres as well as through psql.
    text = run(['pg_dump', '--no-owner', '--no-privileges', '--column-inserts', '--dbname', pg['name']], env=libpq)
    # pg_dump 15.14+ wraps a plain dump in \restrict / \unrestrict with a fresh
    # random key each run; the guard is for psql restoring untrusted dumps, and
    # node-postgres has no meta-commands.
    text = re.sub(r'^\\(un)?restrict .*\n', '', text, flags=re.M)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)
    # The proof that it loads: psql -f into an empty database, stopping at the first error.
    check = dict(pg, name=pg['name'] + '_load')
    pg_admin(pg, 'CREATE DATABASE %s' % check['name'])
    try:
        run(['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '--dbname', check['name'], '-f', path], env=libpq)
    finally:
        pg_admin(pg, 'DROP DATABASE IF EXISTS %s' % check['name'])


def main():
    try:
        import argon2  # noqa: F401
        import bcrypt  # noqa: F401
        import django
        import psycopg2  # noqa: F401
        import rest_framework  # noqa: F401
    except ImportError as error:
        raise SystemExit('%s\nInstall: apt-get install -y python3-django python3-djangorestframework python3-argon2 '
                         'python3-bcrypt python3-psycopg2, and run this with /usr/bin/python3' % error)
    assert django.VERSION[:2] == (3, 2), 'Django 3.2 expected, found %s' % django.get_version()

    tmp = tempfile.mkdtemp(prefix='django-fixtures-')
    pg = pg_settings()
    try:
        main_models = ['auth.user', 'knox.authtoken', 'authtoken.token', 'leadsapi.LeadModel']
        root, env, secrets_sqlite = build(tmp, 'main', 'sqlite3')
        dumpdata(root, env, main_models, os.path.join(OUT, 'dumpdata.json'))

        pg_admin(pg, 'CREATE DATABASE %s' % pg['name'])
        try:
            _, _, secrets_pg = build(tmp, 'main', 'postgresql', pg)
            pg_dump(pg, os.path.join(OUT, 'postgres.sql'))
        finally:
            pg_admin(pg, 'DROP DATABASE IF EXISTS %s' % pg['name'])
        # Same seeds, same order of operations: both databases must hold the same rows.
        assert secrets_sqlite == secrets_pg, 'the SQLite and PostgreSQL runs differ'

        root, env, secrets_variant = build(tmp, 'leads-lead', 'sqlite3')
        dumpdata(root, env, ['auth.user', 'knox.authtoken', 'leads.Lead'], os.path.join(OUT, 'dumpdata-leads-lead.json'))
    finally:
        shutil.rmtree(tmp)

    secrets = {
        'about': ('Test data, made up for the Django import fixtures beside this file by scripts/django-fixtures/generate.py: '
                  'the plaintext passwords and raw tokens of these fixtures, which Django never stores. They belong to no deployment.'),
        'now': NOW.isoformat().replace('+00:00', 'Z'),
        'timestamps': ('dumpdata writes milliseconds (DjangoJSONEncoder drops the last three digits); '
                       'postgres.sql and the databases keep microseconds'),
        'fixtures': {
            'main': dict(files=['dumpdata.json', 'postgres.sql'], **secrets_sqlite),
            'leads-lead': dict(files=['dumpdata-leads-lead.json'], **secrets_variant),
        },
    }
    with open(os.path.join(OUT, 'secrets.json'), 'w', encoding='utf-8') as f:
        json.dump(secrets, f, ensure_ascii=False, indent=2)
        f.write('\n')
    print('wrote', ', '.join(sorted(os.listdir(OUT))), 'in', os.path.relpath(OUT, REPO))


if __name__ == '__main__':
    if sys.argv[1:2] == ['populate']:
        populate(sys.argv[2])
    else:
        main()
