// A team's first script against canyu, through a TypeScript client generated from the served
// OpenAPI document: openapi-typescript turns it into `generated/api.d.ts`, openapi-fetch makes
// typed calls from it, and `tsc` refuses the script if a path, a parameter or a field is wrong.
// clients/run.sh generates, type-checks and runs it with CANYU_URL, STAFF_HANDLE and
// STAFF_PASSWORD set. Each step checks the status and the typed answer: register, post
// feedback, vote, search in Chinese, read a wave, order with an Idempotency-Key (and retry
// it), read the error of a bad request.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/api.js";
import { randomUUID } from "node:crypto";

type ErrorBody = components["schemas"]["ErrorBody"];

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const BASE = env("CANYU_URL");
const RUN = randomUUID().slice(0, 8);
let steps = 0;

function check(condition: boolean, what: string): asserts condition {
  if (!condition) {
    console.error(`typescript client: FAILED: ${what}`);
    process.exit(1);
  }
  steps += 1;
  console.log(`typescript client: ok — ${what}`);
}

const client = (token?: string, language?: string) =>
  createClient<paths>({
    baseUrl: BASE,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(language ? { "Accept-Language": language } : {}),
    },
  });

const anonymous = client();

// The team's staff account sets up a product and a wave, as a partner's back office would.
const staffLogin = await anonymous.POST("/api/v1/auth/login", {
  body: { handle: env("STAFF_HANDLE"), password: env("STAFF_PASSWORD") },
});
check(staffLogin.response.status === 200 && staffLogin.data !== undefined, "staff signs in (200, SessionView)");
const staff = client(staffLogin.data.token);
const category = `ts-${RUN}`;
const product = `ts-phone-${RUN}`;
const createdCategory = await staff.POST("/api/v1/categories", {
  body: { slug: category, name_zh: "手机", name_en: "Phones" },
});
check(createdCategory.response.status === 201, "staff creates a category (201)");
const createdProduct = await staff.POST("/api/v1/products", {
  body: { slug: product, name: "TypeScript 手机", category },
});
check(createdProduct.response.status === 201, "staff creates a product (201)");
const now = Date.now();
const createdWave = await staff.POST("/api/v1/waves", {
  body: {
    product,
    quantity: 5,
    mode: "fcfs",
    per_fan_limit: 1,
    starts_at: new Date(now - 60_000).toISOString(),
    ends_at: new Date(now + 3_600_000).toISOString(),
  },
});
check(createdWave.response.status === 201 && createdWave.data !== undefined, "staff opens a first-come wave of 5 (201, WaveView)");
const waveId = createdWave.data.id;

// A fan registers and gets a token.
const registered = await anonymous.POST("/api/v1/auth/register", {
  body: { handle: `ts_fan_${RUN}`, password: `long enough ${RUN} 小米 pass` },
});
check(registered.response.status === 201 && registered.data !== undefined, "a fan registers (201, SessionView with a token)");
const fanToken = registered.data.token;
const fan = client(fanToken);

// Feedback in Chinese, then a vote on it.
const title = `希望支持双卡双待切换提醒 ${RUN}`;
const posted = await fan.POST("/api/v1/posts", {
  body: { product, kind: "idea", title, body: "切换副卡上网时在通知栏提醒一下，避免流量超支。" },
});
check(posted.response.status === 201 && posted.data !== undefined, "the fan posts an idea in Chinese (201, PostView)");
const post = posted.data;
check(post.title === title && post.product === product, "the post reads back as written");
const voted = await fan.PUT("/api/v1/posts/{id}/vote", { params: { path: { id: post.id } } });
check([200, 204].includes(voted.response.status), `the fan votes for it (${voted.response.status})`);
const votedAgain = await fan.PUT("/api/v1/posts/{id}/vote", { params: { path: { id: post.id } } });
check([200, 204].includes(votedAgain.response.status), "voting again is harmless (one vote per fan)");

// Search in Chinese finds it (the index may take a moment to see a new post).
let found: components["schemas"]["PostView"] | undefined;
for (let i = 0; i < 50 && !found; i++) {
  const page = await anonymous.GET("/api/v1/posts", { params: { query: { q: "双卡双待", product } } });
  check(page.response.status === 200 && page.data !== undefined, i === 0 ? "searching 双卡双待 answers (200, PostPageView)" : "search answers again");
  found = page.data.items.find((p) => p.id === post.id);
  if (!found) await new Promise((resolve) => setTimeout(resolve, 100));
}
check(found !== undefined, "searching 双卡双待 finds the post");
check(found.votes === 1, `it has exactly one vote (${found.votes})`);

// The wave, then an order with an Idempotency-Key, retried.
const wave = await anonymous.GET("/api/v1/waves/{id}", { params: { path: { id: waveId } } });
check(wave.response.status === 200 && wave.data !== undefined, "anyone reads the wave (200, WaveView)");
check(wave.data.remaining === 5 && wave.data.status === "on_sale", `5 left and on sale (${wave.data.remaining}, ${wave.data.status})`);
const key = randomUUID();
const order = await fan.POST("/api/v1/waves/{id}/orders", {
  params: { path: { id: waveId }, header: { "Idempotency-Key": key } },
});
check(order.response.status === 201 && order.data !== undefined, "the fan orders one unit (201, OrderView)");
const retried = await fan.POST("/api/v1/waves/{id}/orders", {
  params: { path: { id: waveId }, header: { "Idempotency-Key": key } },
});
check(
  [200, 201].includes(retried.response.status) && retried.data?.id === order.data.id,
  "a retry with the same Idempotency-Key answers the same order",
);
const after = await anonymous.GET("/api/v1/waves/{id}", { params: { path: { id: waveId } } });
check(after.data?.sold === 1 && after.data.remaining === 4, "the wave counts one sale, not two");
const second = await fan.POST("/api/v1/waves/{id}/orders", {
  params: { path: { id: waveId }, header: { "Idempotency-Key": randomUUID() } },
});
const secondError: ErrorBody | undefined = second.error;
check(
  second.response.status === 429 && secondError?.error.code === "order_limit_reached",
  `a second unit over the per-fan limit is refused (429 order_limit_reached: ${second.response.status} ${secondError?.error.code})`,
);

// A bad request: the error body is typed, its code stable, its message in the asked language.
const zh = client(fanToken, "zh-CN");
const tooLong = await zh.POST("/api/v1/posts", {
  body: { product, kind: "idea", title: "标".repeat(200), body: "太长的标题" },
});
const tooLongError: ErrorBody | undefined = tooLong.error;
check(tooLong.response.status === 422 && tooLongError !== undefined, "a 200-character title is refused (422, ErrorBody)");
check(tooLongError.error.code === "title_too_long", `with the stable code title_too_long (${tooLongError.error.code})`);
check(/[\u4e00-\u9fff]/.test(tooLongError.error.message), `and a Chinese message (${tooLongError.error.message})`);

console.log(`typescript client: all ${steps} checks passed against ${BASE}`);
