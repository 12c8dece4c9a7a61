"""A team's first script against canyu, through the Python client generated from the served
OpenAPI document (openapi-python-client). clients/run.sh generates the package `canyu_client`
and runs this with CANYU_URL, STAFF_HANDLE and STAFF_PASSWORD set.

Each step checks the status and the typed answer, the way a brand's app team would before
trusting the client: register, post feedback, vote, search in Chinese, read a wave, order
with an Idempotency-Key (and retry it), read the error of a bad request.
"""

import os
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

from canyu_client import AuthenticatedClient, Client
from canyu_client.api.auth import login_account, register_account
from canyu_client.api.catalog import create_category, create_product
from canyu_client.api.posts import create_post, list_posts, vote_post
from canyu_client.api.waves import create_wave, create_wave_order, get_wave
from canyu_client.models import (
    ErrorBody,
    ErrorCode,
    LoginRequest,
    NewCategoryRequest,
    NewPostRequest,
    NewProductRequest,
    NewWaveRequest,
    OrderView,
    PostKind,
    PostPageView,
    PostView,
    RegisterRequest,
    SessionView,
    WaveMode,
    WaveView,
)

BASE = os.environ["CANYU_URL"]
RUN = uuid.uuid4().hex[:8]
steps = 0


def check(condition, what, response=None):
    global steps
    if not condition:
        answer = f" — the server answered {response.status_code}: {response.content[:300]!r}" if response else ""
        sys.exit(f"python client: FAILED: {what}{answer}")
    steps += 1
    print(f"python client: ok — {what}")


def authed(token):
    return AuthenticatedClient(base_url=BASE, token=token, timeout=10.0)


anonymous = Client(base_url=BASE, timeout=10.0)

# The team's staff account sets up a product and a wave, as a partner's back office would.
staff = login_account.sync_detailed(
    client=anonymous,
    body=LoginRequest(handle=os.environ["STAFF_HANDLE"], password=os.environ["STAFF_PASSWORD"]),
)
check(staff.status_code == 200 and isinstance(staff.parsed, SessionView), "staff signs in (200, SessionView)", staff)
staff_client = authed(staff.parsed.token)
category = f"py-{RUN}"
product = f"py-phone-{RUN}"
r = create_category.sync_detailed(
    client=staff_client, body=NewCategoryRequest(slug=category, name_zh="手机", name_en="Phones")
)
check(r.status_code == 201, "staff creates a category (201)", r)
r = create_product.sync_detailed(
    client=staff_client, body=NewProductRequest(slug=product, name="Python 手机", category=category)
)
check(r.status_code == 201, "staff creates a product (201)", r)
now = datetime.now(timezone.utc)
r = create_wave.sync_detailed(
    client=staff_client,
    body=NewWaveRequest(
        product=product,
        quantity=5,
        mode=WaveMode.FCFS,
        per_fan_limit=1,
        # `format: date-time` in the document: the generated model takes datetimes.
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
    ),
)
check(r.status_code == 201 and isinstance(r.parsed, WaveView), "staff opens a first-come wave of 5 (201, WaveView)", r)
wave_id = r.parsed.id

# A fan registers and gets a token.
r = register_account.sync_detailed(
    client=anonymous, body=RegisterRequest(handle=f"py_fan_{RUN}", password=f"long enough {RUN} 小米 pass")
)
check(r.status_code == 201 and isinstance(r.parsed, SessionView), "a fan registers (201, SessionView with a token)", r)
fan = authed(r.parsed.token)

# Feedback in Chinese, then a vote on it.
title = f"希望增加电池百分比显示 {RUN}"
r = create_post.sync_detailed(
    client=fan,
    body=NewPostRequest(
        product=product, kind=PostKind.IDEA, title=title, body="在状态栏显示电池百分比，续航焦虑会少很多。"
    ),
)
check(r.status_code == 201 and isinstance(r.parsed, PostView), "the fan posts an idea in Chinese (201, PostView)", r)
post = r.parsed
check(post.title == title and post.product == product, "the post reads back as written")
r = vote_post.sync_detailed(client=fan, id=post.id)
check(r.status_code in (200, 204), f"the fan votes for it ({r.status_code})", r)
r = vote_post.sync_detailed(client=fan, id=post.id)
check(r.status_code in (200, 204), "voting again is harmless (one vote per fan)", r)

# Search in Chinese finds it (the index may take a moment to see a new post).
found = None
for _ in range(50):
    r = list_posts.sync_detailed(client=anonymous, q="电池百分比", product=product)
    check_ok = r.status_code == 200 and isinstance(r.parsed, PostPageView)
    if not check_ok:
        sys.exit(f"python client: FAILED: search answered {r.status_code}: {r.content[:200]!r}")
    found = next((p for p in r.parsed.items if p.id == post.id), None)
    if found:
        break
    time.sleep(0.1)
check(found is not None, "searching 电池百分比 finds the post")
check(found.votes == 1, f"it has exactly one vote ({found.votes})")

# The wave, then an order with an Idempotency-Key, retried.
r = get_wave.sync_detailed(client=anonymous, id=wave_id)
check(r.status_code == 200 and isinstance(r.parsed, WaveView), "anyone reads the wave (200, WaveView)", r)
check(r.parsed.remaining == 5 and r.parsed.status == "on_sale", f"5 left and on sale ({r.parsed.remaining}, {r.parsed.status})")
key = str(uuid.uuid4())
first = create_wave_order.sync_detailed(client=fan, id=wave_id, idempotency_key=key)
check(first.status_code == 201 and isinstance(first.parsed, OrderView), "the fan orders one unit (201, OrderView)", first)
again = create_wave_order.sync_detailed(client=fan, id=wave_id, idempotency_key=key)
check(
    again.status_code in (200, 201) and isinstance(again.parsed, OrderView) and again.parsed.id == first.parsed.id,
    "a retry with the same Idempotency-Key answers the same order",
)
r = get_wave.sync_detailed(client=anonymous, id=wave_id)
check(r.parsed.sold == 1 and r.parsed.remaining == 4, "the wave counts one sale, not two")
other = create_wave_order.sync_detailed(client=fan, id=wave_id, idempotency_key=str(uuid.uuid4()))
check(
    other.status_code == 429 and isinstance(other.parsed, ErrorBody) and other.parsed.error.code == ErrorCode.ORDER_LIMIT_REACHED,
    "a second unit over the per-fan limit is refused (429 order_limit_reached)",
    other,
)

# A bad request: the error body is typed, its code stable, its message in the asked language.
zh = AuthenticatedClient(base_url=BASE, token=fan.token, timeout=10.0, headers={"Accept-Language": "zh-CN"})
r = create_post.sync_detailed(
    client=zh, body=NewPostRequest(product=product, kind=PostKind.IDEA, title="标" * 200, body="太长的标题")
)
check(r.status_code == 422 and isinstance(r.parsed, ErrorBody), "a 200-character title is refused (422, ErrorBody)", r)
check(r.parsed.error.code == ErrorCode.TITLE_TOO_LONG, f"with the stable code title_too_long ({r.parsed.error.code})")
check(any("\u4e00" <= c <= "\u9fff" for c in r.parsed.error.message), f"and a Chinese message ({r.parsed.error.message})")

print(f"python client: all {steps} checks passed against {BASE}")
