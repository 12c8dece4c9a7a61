// End-to-end: the co-creation board in a real Chromium, from a fan's first visit to staff
// planning their idea. Run through `e2e/run.sh <path to canyu>`, or directly with
//   CANYU_URL=http://127.0.0.1:8080 STAFF_HANDLE=… STAFF_PASSWORD=… [CANYU_PRODUCT=slug] \
//     node --test e2e/board.test.mjs
// The product (CANYU_PRODUCT, default `e2e-phone`) must exist; the fan is created here.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const BASE = (process.env.CANYU_URL || "").replace(/\/$/, "");
const STAFF_HANDLE = process.env.STAFF_HANDLE;
const STAFF_PASSWORD = process.env.STAFF_PASSWORD;
const PRODUCT = process.env.CANYU_PRODUCT || "e2e-phone";
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

if (!BASE || !STAFF_HANDLE || !STAFF_PASSWORD) {
  throw new Error("set CANYU_URL, STAFF_HANDLE and STAFF_PASSWORD");
}

const TITLE = "希望增加电池续航显示";
const XSS = `<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>`;
const BODY = `锁屏时也能直接看到剩余**续航**时间，出门前心里有数。\n\n- 按当前用电习惯估算\n- 低于 20% 时提醒\n\n${XSS}`;
const COMMENT = "我也需要这个功能，每天都有续航焦虑！";
const NOTE = "已排入下个版本计划，感谢建议（e2e）";
const FAN_PASSWORD = "fan-password-2026";
const fanHandle = "米粉_" + Date.now().toString(36);

let browser;
const problems = []; // console errors and page errors, from every page of the run

function watch(page) {
  page.on("console", (m) => {
    // The refusals this test provokes on purpose (422, 415) are logged by Chromium too.
    if (m.type() === "error" && !/status of (422|415)/.test(m.text())) problems.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`${page.url()}: ${e.message}`));
  page.on("dialog", (d) => {
    problems.push(`${page.url()}: unexpected dialog ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  return page;
}

// The staff account's API token, for setting up what the pages under test show.
async function staffToken() {
  const login = await fetch(`${BASE}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ handle: STAFF_HANDLE, password: STAFF_PASSWORD }),
  });
  assert.equal(login.status, 200);
  return (await login.json()).token;
}

// A new browser context with the staff account signed in through the login page.
async function staffSignedIn() {
  const ctx = await newContext();
  const page = watch(await ctx.newPage());
  await page.goto(`${BASE}/login`);
  await page.fill("[data-testid=handle]", STAFF_HANDLE);
  await page.fill("[data-testid=password]", STAFF_PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith("/login")), page.click("[data-testid=login-submit]")]);
  return [ctx, page];
}

// An RFC 3339 time `ms` from now.
const at = (ms) => new Date(Date.now() + ms).toISOString();

async function newContext() {
  // Chinese is the default language; the browser says so too.
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 844 },
    locale: "zh-CN",
    extraHTTPHeaders: { "Accept-Language": "zh-CN,zh;q=0.9" },
  });
  ctx.setDefaultTimeout(10_000);
  return ctx;
}

before(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
});

// A 1×1 PNG, as a phone's gallery would hand over a screenshot.
const PNG_1PX = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

test("a fan's idea goes from post to planned, with search, votes, comments and no XSS", async (t) => {
  const fanCtx = await newContext();
  const fan = watch(await fanCtx.newPage());
  let postUrl;
  let postPath;

  await t.test("fan registers", async () => {
    await fan.goto(`${BASE}/products/${PRODUCT}`);
    await fan.click("[data-testid=register-link]");
    await fan.waitForURL(/\/register/);
    await fan.fill("[data-testid=handle]", fanHandle);
    await fan.fill("[data-testid=password]", FAN_PASSWORD);
    await Promise.all([fan.waitForURL(new RegExp(`/products/${PRODUCT}$`)), fan.click("[data-testid=register-submit]")]);
    // Back on the board (the `next` link), signed in.
    assert.equal(await fan.locator("[data-testid=user-menu] .user-handle").textContent(), fanHandle);
    assert.equal(await fan.getAttribute("html", "lang"), "zh-CN");
  });

  await t.test("fan posts a Chinese idea; a refused form keeps the input", async () => {
    await fan.click("[data-testid=new-post-button]");
    await fan.waitForURL(new RegExp(`/products/${PRODUCT}/new$`));
    assert.equal(await fan.inputValue("[data-testid=post-product]"), PRODUCT);
    await fan.check("[data-testid=kind-idea]");
    await fan.fill("[data-testid=post-body-input]", BODY);
    await fan.fill("[data-testid=post-tags-input]", "续航, 电池");

    // Without a title (bypassing the browser's own check), the server refuses in Chinese.
    await fan.fill("[data-testid=post-title-input]", "   ");
    await fan.locator("[data-testid=post-title-input]").evaluate((el) => el.removeAttribute("required"));
    const refused = await Promise.all([
      fan.waitForResponse((r) => r.request().method() === "POST"),
      fan.click("[data-testid=post-submit]"),
    ]);
    assert.equal(refused[0].status(), 422);
    await fan.waitForSelector("[data-testid=form-error]");
    assert.match(await fan.textContent("[data-testid=form-error]"), /标题不能为空/);
    assert.equal(await fan.inputValue("[data-testid=post-body-input]"), BODY);
    assert.equal(await fan.inputValue("[data-testid=post-tags-input]"), "续航, 电池");

    await fan.fill("[data-testid=post-title-input]", TITLE);
    // A screenshot from the phone's gallery goes with the post.
    await fan.setInputFiles("[data-testid=post-images-input]", { name: "截图.png", mimeType: "image/png", buffer: PNG_1PX });
    await Promise.all([fan.waitForURL(/\/posts\/\d+$/), fan.click("[data-testid=post-submit]")]);
    postUrl = fan.url();
    const shot = fan.locator("[data-testid=post-images] img");
    assert.equal(await shot.count(), 1, "the post shows its image");
    await fan.waitForFunction(() => document.querySelector("[data-testid=post-images] img").naturalWidth > 0);
    postPath = new URL(postUrl).pathname;
    assert.equal((await fan.textContent("[data-testid=post-title]")).trim(), TITLE);
    assert.equal((await fan.textContent("[data-testid=post-status]")).trim(), "新建");
    assert.equal((await fan.textContent("[data-testid=post-kind]")).trim(), "建议");
  });

  await t.test("the XSS payload in the body is inert", async () => {
    const body = fan.locator("[data-testid=post-body]");
    assert.match(await body.innerText(), /续航/);
    assert.equal(await body.locator("strong").first().textContent(), "续航");
    assert.equal(await body.locator("script, img, iframe, [onerror]").count(), 0);
    assert.equal(await fan.evaluate(() => window.__xss), undefined);
    // No script anywhere on the page except our own asset.
    const scripts = await fan.$$eval("script", (els) => els.map((s) => s.getAttribute("src") || "inline"));
    assert.deepEqual(scripts.map((s) => s.replace(/\?.*$/, "")), ["/assets/app.js"]);
  });

  await t.test("board search for 续航 finds it, highlighted", async () => {
    await fan.goto(`${BASE}/products/${PRODUCT}`);
    await fan.fill("[data-testid=search-box]", "续航");
    await Promise.all([fan.waitForURL(/[?&]q=/), fan.press("[data-testid=search-box]", "Enter")]);
    const results = fan.locator("[data-testid=search-results]");
    await results.waitFor();
    const hit = results.locator(`a[href="${postPath}"]`).first();
    assert.equal(await hit.count(), 1, "our post is among the results");
    const marks = await hit.locator("mark").allTextContents();
    assert.ok(marks.includes("续航"), `title highlights: ${JSON.stringify(marks)}`);
    assert.equal(await fan.evaluate(() => window.__xss), undefined);
    await Promise.all([fan.waitForURL(postUrl), hit.click()]);
  });

  await t.test("voting updates the count without a page load", async () => {
    await fan.evaluate(() => {
      window.__samePage = true;
    });
    const button = fan.locator("[data-testid=vote-button]");
    assert.equal(await button.getAttribute("aria-pressed"), "false");
    assert.equal((await fan.textContent("[data-testid=vote-count]")).trim(), "0");
    const [res] = await Promise.all([
      fan.waitForResponse((r) => r.url().endsWith(`/api/v1${postPath}/vote`) && r.request().method() === "PUT"),
      button.click(),
    ]);
    assert.equal(res.status(), 200);
    await fan.waitForFunction(() => document.querySelector("[data-testid=vote-count]").textContent.trim() === "1");
    assert.equal(await button.getAttribute("aria-pressed"), "true");
    assert.equal(await fan.evaluate(() => window.__samePage), true, "no navigation happened");

    // The server agrees, and a reload shows the vote.
    const api = await fanCtx.request.get(`${BASE}/api/v1${postPath}`);
    assert.equal((await api.json()).votes, 1);
  });

  await t.test("commenting appends the comment without a page load", async () => {
    await fan.fill("[data-testid=comment-body]", COMMENT);
    await fan.click("[data-testid=comment-submit]");
    const item = fan.locator("[data-testid=comment-list] [data-testid=comment]", { hasText: COMMENT });
    await item.waitFor();
    assert.equal(await fan.evaluate(() => window.__samePage), true, "no navigation happened");
    assert.equal(await fan.inputValue("[data-testid=comment-body]"), "");
    assert.equal(await item.locator("[data-testid=official-badge]").count(), 0);

    await fan.reload();
    assert.equal((await fan.textContent("[data-testid=vote-count]")).trim(), "1");
    assert.equal(await fan.getAttribute("[data-testid=vote-button]", "aria-pressed"), "true");
    assert.equal(await fan.locator("[data-testid=comment]", { hasText: COMMENT }).count(), 1);
    assert.equal(await fan.locator("[data-testid=status-form]").count(), 0, "fans get no status form");
  });

  await t.test("a comment with a photo goes as a form; a file that is not an image is refused by name", async () => {
    await fan.fill("[data-testid=comment-body]", "不是图片的文件");
    await fan.setInputFiles("[data-testid=comment-images-input]", { name: "病毒.jpg", mimeType: "image/jpeg", buffer: Buffer.from("MZ this is not a photo") });
    const [refused] = await Promise.all([
      fan.waitForResponse((r) => r.request().method() === "POST"),
      fan.click("[data-testid=comment-submit]"),
    ]);
    assert.equal(refused.status(), 415);
    await fan.waitForSelector("#comment-form [role=alert]:not([hidden])");
    assert.match(await fan.textContent("#comment-form [role=alert]"), /病毒\.jpg：只能上传/);
    assert.equal(await fan.inputValue("[data-testid=comment-body]"), "不是图片的文件", "the text is kept");

    await fan.fill("[data-testid=comment-body]", "补一张故障照片");
    await fan.setInputFiles("[data-testid=comment-images-input]", { name: "故障.png", mimeType: "image/png", buffer: PNG_1PX });
    await Promise.all([fan.waitForURL(/#c\d+$/), fan.click("[data-testid=comment-submit]")]);
    const item = fan.locator("[data-testid=comment]", { hasText: "补一张故障照片" });
    assert.equal(await item.locator("[data-testid=comment-images] img").count(), 1);
  });

  await t.test("without JavaScript, the vote and comment forms still work", async () => {
    const plainCtx = await browser.newContext({
      javaScriptEnabled: false,
      storageState: await fanCtx.storageState(),
      extraHTTPHeaders: { "Accept-Language": "zh-CN" },
    });
    const plain = watch(await plainCtx.newPage());
    await plain.goto(postUrl);
    // The vote button is a form that toggles: off, then on again.
    await Promise.all([plain.waitForLoadState("load"), plain.click("[data-testid=vote-button]")]);
    await plain.waitForFunction(() => document.querySelector("[data-testid=vote-count]").textContent.trim() === "0");
    assert.equal(await plain.getAttribute("[data-testid=vote-button]", "aria-pressed"), "false");
    await plain.click("[data-testid=vote-button]");
    await plain.waitForFunction(() => document.querySelector("[data-testid=vote-count]").textContent.trim() === "1");
    assert.equal(new URL(plain.url()).pathname, postPath);

    await plain.fill("[data-testid=comment-body]", "不开 JS 也能评论。");
    await Promise.all([plain.waitForURL(/#c\d+$/), plain.click("[data-testid=comment-submit]")]);
    assert.equal(await plain.locator("[data-testid=comment]", { hasText: "不开 JS 也能评论。" }).count(), 1);
    await plainCtx.close();
  });

  await t.test("staff plans it with a note and replies officially", async () => {
    const staffCtx = await newContext();
    const staff = watch(await staffCtx.newPage());
    await staff.goto(postUrl);
    await staff.click("[data-testid=login-link]");
    await staff.waitForURL(/\/login\?next=/);
    await staff.fill("[data-testid=handle]", STAFF_HANDLE);
    await staff.fill("[data-testid=password]", STAFF_PASSWORD);
    await Promise.all([staff.waitForURL(postUrl), staff.click("[data-testid=login-submit]")]);

    await staff.selectOption("[data-testid=status-select]", "planned");
    await staff.fill("[data-testid=status-note]", NOTE);
    await Promise.all([staff.waitForURL(/#timeline$/), staff.click("[data-testid=status-submit]")]);
    assert.equal((await staff.textContent("[data-testid=post-status]")).trim(), "已计划");

    await staff.fill("[data-testid=comment-body]", "感谢反馈，我们会在下个版本支持。");
    await staff.click("[data-testid=comment-submit]");
    const reply = staff.locator("[data-testid=comment]", { hasText: "感谢反馈" });
    await reply.waitFor();
    assert.equal((await reply.locator("[data-testid=official-badge]").textContent()).trim(), "官方回复");
    await staffCtx.close();
  });

  await t.test("the fan reloads and sees the timeline entry with the note", async () => {
    await fan.reload();
    assert.equal((await fan.textContent("[data-testid=post-status]")).trim(), "已计划");
    const entry = fan.locator('[data-testid=timeline-item][data-status="planned"]');
    assert.equal(await entry.count(), 1);
    assert.equal((await entry.locator("[data-testid=timeline-note]").textContent()).trim(), NOTE);
    assert.match(await entry.innerText(), new RegExp(STAFF_HANDLE));
    assert.equal(await fan.locator("[data-testid=official-badge]").count(), 1);

    await fan.goto(`${BASE}/products/${PRODUCT}/roadmap`);
    assert.equal(await fan.locator(`[data-testid=roadmap-planned] a[href="${postPath}"]`).count(), 1);
  });

  await t.test("the fan's inbox has the status change and the official reply", async () => {
    await fan.goto(`${BASE}/`);
    assert.equal((await fan.textContent("[data-testid=inbox-count]")).trim(), "2");
    await Promise.all([fan.waitForURL(/\/inbox$/), fan.click("[data-testid=inbox-link]")]);
    const items = fan.locator("[data-testid=inbox-item]");
    assert.equal(await items.count(), 2);
    assert.match(await items.nth(0).innerText(), /官方回复了你的帖子/);
    assert.match(await items.nth(1).innerText(), /已计划/);
    await fan.click("[data-testid=inbox-mark-all]");
    await fan.locator("[data-testid=inbox-mark-all]").waitFor({ state: "detached" });
    assert.equal(await fan.locator("[data-testid=inbox-count]").count(), 0);
  });

  await t.test("writing the same idea again, the form suggests the existing post", async () => {
    await fan.goto(`${BASE}/products/${PRODUCT}/new`);
    assert.equal(await fan.isVisible("[data-testid=similar]"), false);
    await fan.fill("[data-testid=post-title-input]", "锁屏能不能显示电池续航");
    const suggestion = fan.locator(`[data-testid=similar-item] a[href="${postPath}"]`);
    await suggestion.waitFor();
    assert.match(await fan.textContent("[data-testid=similar-item]"), /相似度 \d+%/);
    // Voting for the suggestion where it appears, without leaving the draft (and back, so the
    // fan's vote is as it was for the steps after this one).
    const button = `[data-testid=similar] [data-post="${postPath.split("/").pop()}"] [data-testid=similar-vote]`;
    const pressed = await fan.getAttribute(button, "aria-pressed");
    const before = Number(await fan.textContent(`${button} .vote-count`));
    const toggled = pressed === "true" ? "false" : "true";
    for (const [want, count] of [[toggled, toggled === "true" ? before + 1 : before - 1], [pressed, before]]) {
      await fan.click(button);
      await fan.waitForFunction(
        ([sel, w, c]) => {
          const b = document.querySelector(sel);
          return b && b.getAttribute("aria-pressed") === w && b.querySelector(".vote-count").textContent.trim() === String(c);
        },
        [button, want, count],
      );
    }
    assert.equal(new URL(fan.url()).pathname, `/products/${PRODUCT}/new`, "the draft stays open");
    // Another product's board has no such post.
    await fan.fill("[data-testid=post-title-input]", "");
    await fan.locator("[data-testid=similar]").waitFor({ state: "hidden" });
  });

  await t.test("the language switcher shows the English UI", async () => {
    await fan.goto(postUrl);
    await Promise.all([fan.waitForURL(/lang=en/), fan.click("[data-testid=lang-en]")]);
    assert.equal(new URL(fan.url()).pathname, postPath, "the switcher keeps the page");
    assert.equal(await fan.getAttribute("html", "lang"), "en");
    assert.equal((await fan.textContent("[data-testid=post-status]")).trim(), "Planned");
    assert.equal((await fan.textContent("[data-testid=post-kind]")).trim(), "Idea");
    assert.equal((await fan.textContent("[data-testid=comment-submit]")).trim(), "Comment");
    assert.match(await fan.textContent("[data-testid=vote-button]"), /Voted/);
    // User text stays as written.
    assert.equal((await fan.textContent("[data-testid=post-title]")).trim(), TITLE);
    // The choice sticks (cookie) on the next page, and an API error now comes in English.
    await fan.goto(`${BASE}/products/${PRODUCT}`);
    assert.equal((await fan.textContent("[data-testid=new-post-button]")).replace("＋", "").trim(), "New post");
    await fan.goto(postUrl);
    await fan.fill("[data-testid=comment-body]", " ");
    await fan.locator("[data-testid=comment-body]").evaluate((el) => el.removeAttribute("required"));
    await fan.click("[data-testid=comment-submit]");
    const error = fan.locator("[data-testid=comment-form] [data-error]");
    await error.waitFor({ state: "visible" });
    assert.match(await error.textContent(), /must not be empty/);
    await fan.goto(`${BASE}/?lang=zh`);
    assert.equal(await fan.getAttribute("html", "lang"), "zh-CN");
  });

  await t.test("staff ship it in a release; the changelog credits the fan", async () => {
    const [staffCtx, staff] = await staffSignedIn();
    await staff.goto(`${BASE}/products/${PRODUCT}/changelog`);
    await Promise.all([staff.waitForURL(/\/releases\/new$/), staff.click("[data-testid=release-new]")]);
    const postId = postPath.split("/").pop();
    await staff.check(`[data-testid=release-post-${postId}]`);
    await staff.fill("[data-testid=release-version]", "1.0.0");
    await staff.fill("[data-testid=release-notes-input]", "本周**橙色星期五**更新");
    await Promise.all([staff.waitForURL(/\/releases\/\d+$/), staff.click("[data-testid=release-submit]")]);
    assert.equal(await staff.locator("[data-testid=release-draft]").count(), 1);
    await staff.click("[data-testid=publish-submit]");
    await staff.locator("[data-testid=publish-submit]").waitFor({ state: "detached" });
    assert.equal(await staff.locator("[data-testid=release-draft]").count(), 0);
    await staffCtx.close();

    await fan.goto(`${BASE}/products/${PRODUCT}/changelog`);
    const notes = await fan.innerText("[data-testid=release]");
    assert.match(notes, /橙色星期五/);
    assert.match(notes, new RegExp(`感谢 @${fanHandle} 的建议`));
    assert.equal((await fan.textContent("[data-testid=fan-features]")).trim(), "1 项功能来自粉丝建议");
    await fan.goto(postUrl);
    assert.equal((await fan.textContent("[data-testid=post-status]")).trim(), "已上线");
    await fan.goto(`${BASE}/users/${encodeURIComponent(fanHandle)}`);
    assert.match(await fan.innerText("[data-testid=credited]"), new RegExp(TITLE));
  });

  await t.test("beta programme: staff open seats, the fan applies, is admitted and posts on the beta board", async () => {
    const [staffCtx, staff] = await staffSignedIn();
    await staff.goto(`${BASE}/products/${PRODUCT}/beta`);
    await staff.fill("[data-testid=beta-seats]", "3");
    await Promise.all([staff.waitForURL(/\/beta$/), staff.click("[data-testid=beta-save]")]);
    assert.equal((await staff.textContent("[data-testid=beta-members]")).trim(), "0");

    await fan.goto(`${BASE}/products/${PRODUCT}`);
    await Promise.all([fan.waitForURL(/\/beta$/), fan.click("[data-testid=beta-link]")]);
    await fan.fill("[data-testid=beta-motivation]", "每天通勤都用，愿意每周反馈问题和建议");
    await Promise.all([fan.waitForURL(/\/beta$/), fan.click("[data-testid=beta-apply]")]);
    assert.equal(await fan.getAttribute("[data-testid=beta-status]", "data-status"), "pending");

    await staff.reload();
    const row = staff.locator(`[data-testid=beta-applications] li[data-handle="${fanHandle}"]`);
    await Promise.all([staff.waitForURL(/\/beta$/), row.locator("[data-testid=beta-admit]").click()]);
    assert.equal((await staff.textContent("[data-testid=beta-members]")).trim(), "1");
    await staffCtx.close();

    await fan.reload();
    assert.equal(await fan.getAttribute("[data-testid=beta-status]", "data-status"), "member");
    await Promise.all([fan.waitForURL(/board=beta/), fan.click("[data-testid=beta-new-post]")]);
    await fan.locator("[data-testid=beta-board-banner]").waitFor();
    await fan.check("[data-testid=kind-bug]");
    await fan.fill("[data-testid=post-title-input]", "内测版蓝牙偶尔断连");
    await fan.fill("[data-testid=post-body-input]", "升级后开车时蓝牙断开两次");
    await Promise.all([fan.waitForURL(/\/posts\/\d+$/), fan.click("[data-testid=post-submit]")]);
    const betaPost = new URL(fan.url()).pathname;
    await fan.goto(`${BASE}/products/${PRODUCT}/beta`);
    assert.match(await fan.innerText("[data-testid=beta-board]"), /内测版蓝牙偶尔断连/);
    assert.match(await fan.innerText("[data-testid=beta-week]"), /1\/1/);

    // Someone outside the group gets a clear refusal, and the public board never shows it.
    const visitorCtx = await newContext();
    const visitor = await visitorCtx.newPage();
    const res = await visitor.goto(`${BASE}${betaPost}`);
    assert.equal(res.status(), 403);
    await visitor.goto(`${BASE}/products/${PRODUCT}`);
    assert.doesNotMatch(await visitor.innerText("main"), /内测版蓝牙偶尔断连/);
    await visitorCtx.close();
  });

  await t.test("a wave: staff release it, the fan sees the countdown and stock, buys once, staff add stock and end it", async () => {
    const [staffCtx, staff] = await staffSignedIn();
    await staff.goto(`${BASE}/products/${PRODUCT}/waves`);
    // China time, a minute ago.
    const local = new Date(Date.now() + 8 * 3600e3 - 60e3).toISOString().slice(0, 16);
    await staff.fill("[data-testid=wave-sku]", "E2E 限量版");
    await staff.fill("[data-testid=wave-quantity]", "3");
    await staff.fill("[data-testid=wave-starts]", local);
    await staff.fill("[data-testid=wave-minutes]", "30");
    await Promise.all([staff.waitForURL(/\/waves\/\d+$/), staff.click("[data-testid=wave-submit]")]);
    const waveUrl = staff.url();

    await fan.goto(waveUrl);
    assert.equal((await fan.textContent("[data-testid=wave-remaining]")).trim(), "3");
    await fan.waitForFunction(() => /\d\d:\d\d:\d\d/.test(document.querySelector("[data-testid=wave-countdown]").textContent));
    assert.equal(await fan.isEnabled("[data-testid=buy-button]"), true);
    await Promise.all([fan.waitForURL(/ordered=\d+/), fan.click("[data-testid=buy-button]")]);
    assert.match(await fan.textContent("[data-testid=wave-ordered]"), /#\d+/);
    assert.equal((await fan.textContent("[data-testid=wave-remaining]")).trim(), "2");
    // The order is in "my orders", reached from the confirmation.
    await Promise.all([fan.waitForURL(/\/orders$/), fan.click("[data-testid=wave-ordered] a")]);
    assert.match(await fan.innerText("[data-testid=orders]"), /E2E 手机 · E2E 限量版[\s\S]*已下单/);
    await fan.goto(waveUrl);

    // Staff add two units from the wave's page; the fan's open page follows within seconds.
    await staff.goto(waveUrl);
    await staff.fill("[data-testid=wave-set-quantity]", "5");
    await Promise.all([staff.waitForURL(waveUrl), staff.click("[data-testid=quantity-button]")]);
    assert.equal((await staff.textContent("[data-testid=wave-remaining]")).trim(), "4");
    await fan.waitForFunction(
      () => document.querySelector("[data-testid=wave-remaining]").textContent.trim() === "4"
        && document.querySelector("[data-testid=wave-total]").textContent.trim() === "5",
      null,
      { timeout: 15000 },
    );

    // Staff stop the sale from the wave's page; the fan's open page follows within seconds.
    await staff.check("[data-testid=end-confirm]");
    await Promise.all([staff.waitForURL(waveUrl), staff.click("[data-testid=end-button]")]);
    assert.equal(await staff.locator("[data-testid=end-form]").count(), 0, "an ended wave has nothing to end");
    await staffCtx.close();
    await fan.waitForFunction(() => document.querySelector("[data-testid=buy-button]").disabled, null, { timeout: 15000 });
    assert.doesNotMatch(await fan.textContent("[data-testid=wave-countdown]"), /\d\d:\d\d:\d\d/);
    // (Refusals such as the per-fan limit are page responses with 4xx statuses, which the
    // console watcher would count; the router-level page tests cover them.)
  });

  await t.test("a wave cancelled before it starts: the fan's open countdown says so, with the reason", async () => {
    const token = await staffToken();
    const created = await fetch(`${BASE}/api/v1/waves`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ product: PRODUCT, sku: "E2E 撤销版", quantity: 10, mode: "fcfs", starts_at: at(600e3), ends_at: at(3600e3) }),
    });
    assert.equal(created.status, 201);
    const wave = await created.json();
    const waveUrl = `${BASE}/waves/${wave.id}`;
    await fan.goto(waveUrl);
    await fan.waitForFunction(() => /距开售 \d\d:\d\d:\d\d/.test(document.querySelector("[data-testid=wave-countdown]").textContent));
    assert.equal(await fan.isEnabled("[data-testid=buy-button]"), false, "not on sale yet");

    const [staffCtx, staff] = await staffSignedIn();
    await staff.goto(waveUrl);
    await staff.fill("[data-testid=cancel-reason]", "供货调整，改期另行通知");
    await staff.check("[data-testid=cancel-confirm]");
    await Promise.all([staff.waitForURL(waveUrl), staff.click("[data-testid=cancel-button]")]);
    assert.match(await staff.textContent("[data-testid=wave-cancelled]"), /已撤销：供货调整/);
    await staffCtx.close();

    await fan.waitForFunction(() => /已撤销/.test(document.querySelector("[data-testid=wave-countdown]").textContent), null, { timeout: 15000 });
    await fan.reload();
    assert.match(await fan.textContent("[data-testid=wave-cancelled]"), /供货调整，改期另行通知/);
    assert.equal(await fan.locator("[data-testid=buy-form]").count(), 0);
  });

  await t.test("a launch campaign: the teaser hides the price, the page turns at the reveal, the fan reserves, places a big order, pays and locks it", async () => {
    const token = await staffToken();
    const created = await fetch(`${BASE}/api/v1/campaigns`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({
        product: PRODUCT,
        title: "E2E 手机 发布会",
        teaser_at: at(-60e3),
        reveal_at: at(6e3),
        reservations_open_at: at(12e3),
        reservations_close_at: at(3600e3),
        account_cutoff_at: at(600e3),
        skus: [{ code: "e2e-12", name: "E2E 12GB+256GB", price_fen: 399_900, big_deposit_fen: 50_000 }],
      }),
    });
    assert.equal(created.status, 201);
    const campaign = await created.json();

    await fan.goto(`${BASE}/campaigns/${campaign.id}`);
    assert.equal((await fan.textContent("[data-testid=campaign-phase]")).trim(), "预热中");
    assert.match(await fan.textContent("[data-testid=campaign-limits]"), /每人限购一单.*每个收货地址限购一单/);
    assert.equal((await fan.textContent("[data-testid=sku-price]")).trim(), "敬请期待");
    assert.doesNotMatch(await fan.content(), /3,999/);
    await fan.waitForFunction(() => /\d\d:\d\d:\d\d/.test(document.querySelector("[data-testid=campaign-countdown]").textContent));

    // At the reveal the countdown reloads the page, which now has the price.
    await fan.waitForFunction(
      () => document.querySelector("[data-testid=campaign-phase]")?.textContent.trim() === "价格已公布",
      null,
      { timeout: 20_000 },
    );
    assert.equal((await fan.textContent("[data-testid=sku-price]")).trim(), "¥3,999");
    await fan.locator("[data-testid=reserve-button]").waitFor({ timeout: 20_000 });
    assert.equal((await fan.textContent("[data-testid=campaign-phase]")).trim(), "预约中");
    await Promise.all([fan.waitForURL(new RegExp(`/campaigns/${campaign.id}$`)), fan.click("[data-testid=reserve-button]")]);
    assert.match(await fan.textContent("[data-testid=my-reservation]"), /普通通道 · 第 1/);
    assert.equal(await fan.locator("[data-testid=reserve-button]").count(), 0);

    // The campaign's reservation-only wave opens; the fan places a big order (大定), pays it
    // with the demo's provider and locks it (锁单).
    const wave = await fetch(`${BASE}/api/v1/waves`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({
        product: PRODUCT, sku: "e2e-12", quantity: 10, mode: "fcfs", campaign: campaign.id,
        eligibility: "reservation", starts_at: at(-1e3), ends_at: at(3600e3),
      }),
    });
    assert.equal(wave.status, 201);
    await fan.reload();
    await Promise.all([fan.waitForURL(/\/waves\/\d+$/), fan.click("[data-testid=campaign-waves] a")]);
    await fan.check("[data-testid=kind-big]");
    await fan.fill("[data-testid=buyer-name]", "米粉 张三");
    // One order per address (on by default): the browser will not send the form without one.
    assert.equal(await fan.getAttribute("[data-testid=buyer-address]", "required"), "");
    await fan.fill("[data-testid=buyer-address]", "北京市海淀区 清河路 68 号");
    await Promise.all([fan.waitForURL(/\/launch-orders\/\d+$/), fan.click("[data-testid=buy-button]")]);
    assert.equal((await fan.textContent("[data-testid=order-state]")).trim(), "待支付");
    assert.equal((await fan.textContent("[data-testid=order-amount]")).trim(), "¥500");
    await Promise.all([fan.waitForURL(/\/launch-orders\/\d+$/), fan.click("[data-testid=order-pay]")]);
    assert.equal((await fan.textContent("[data-testid=order-state]")).trim(), "定金已付");
    await Promise.all([fan.waitForURL(/\/launch-orders\/\d+$/), fan.click("[data-testid=order-lock]")]);
    assert.equal((await fan.textContent("[data-testid=order-state]")).trim(), "已锁单");
    assert.equal(await fan.locator("[data-testid=order-refund]").count(), 0);
    assert.match(await fan.innerText("[data-testid=order-history]"), /待支付[\s\S]*定金已付[\s\S]*已锁单/);
    // "My orders" lists it with the wave order, by the SKU's name; the inbox has its steps.
    await fan.goto(`${BASE}/orders`);
    assert.match(await fan.innerText("[data-testid=orders]"), /E2E 12GB\+256GB[\s\S]*已锁单[\s\S]*¥500/);
    await fan.goto(`${BASE}/inbox`);
    assert.match(await fan.innerText("main"), /你的订单 #\d+ 已锁单/);

    // The big screen follows the campaign through its event stream.
    await fan.goto(`${BASE}/campaigns/${campaign.id}/live`);
    await fan.waitForFunction(() => document.querySelector("[data-testid=live-total]")?.textContent.trim() === "1");
    assert.equal((await fan.textContent('[data-live-kind="big"]')).trim(), "1");
    assert.match(await fan.innerText("[data-testid=live-waves]"), /E2E 12GB\+256GB\s+9 \/ 10/);
    // The locked order waits in the production queue, and the big screen says so.
    assert.equal((await fan.textContent("[data-testid=live-production]")).trim(), "已交付 0 台 · 生产中 0 · 排产中 1");
  });

  await t.test("a launch for verified accounts only: the fan verifies their identity and buys as that person", async () => {
    const token = await staffToken();
    const api = (path, body) =>
      fetch(`${BASE}${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    const created = await api("/api/v1/campaigns", {
      product: PRODUCT, title: "E2E 实名发售", teaser_at: at(-3600e3), reveal_at: at(-1800e3),
      reservations_open_at: at(-1200e3), reservations_close_at: at(3600e3), verified_only: true,
      one_per_address: false,
      skus: [{ code: "e2e-ultra", name: "E2E Ultra", price_fen: 649_900, small_deposit_fen: 10_000 }],
    });
    assert.equal(created.status, 201);
    const campaign = await created.json();
    const wave = await api("/api/v1/waves", {
      product: PRODUCT, sku: "e2e-ultra", quantity: 3, mode: "fcfs", campaign: campaign.id,
      starts_at: at(-1e3), ends_at: at(3600e3),
    });
    assert.equal(wave.status, 201);
    const { id } = await wave.json();

    await fan.goto(`${BASE}/waves/${id}`);
    assert.match(await fan.textContent("[data-testid=needs-verification]"), /实名认证/);
    assert.equal(await fan.locator("[data-testid=buy-button]").count(), 0);
    await Promise.all([fan.waitForURL(/\/settings#identity$/), fan.click("[data-testid=verify-link]")]);
    await fan.fill("[data-testid=identity-name-input]", "张三");
    // A mistyped last digit: the server refuses it and keeps the name, not the number.
    await fan.fill("[data-testid=identity-number-input]", "110105194912310021");
    await fan.click("[data-testid=identity-submit]");
    await fan.waitForSelector("[data-testid=identity-error]");
    assert.match(await fan.textContent("[data-testid=identity-error]"), /身份证号码无效/);
    assert.equal(await fan.inputValue("[data-testid=identity-name-input]"), "张三");
    assert.equal(await fan.inputValue("[data-testid=identity-number-input]"), "");
    await fan.fill("[data-testid=identity-number-input]", "11010519491231002X");
    await Promise.all([fan.waitForURL(/\/settings\?done=identity_verified/), fan.click("[data-testid=identity-submit]")]);
    assert.equal((await fan.textContent("[data-testid=identity-number]")).trim(), "**************002X");

    await fan.goto(`${BASE}/waves/${id}`);
    assert.equal(await fan.inputValue("[data-testid=buyer-name]"), "张三");
    assert.equal(await fan.getAttribute("[data-testid=buyer-name]", "readonly"), "");
    await fan.check("[data-testid=kind-small]");
    await Promise.all([fan.waitForURL(/\/launch-orders\/\d+$/), fan.click("[data-testid=buy-button]")]);
    assert.equal((await fan.textContent("[data-testid=order-state]")).trim(), "待支付");
    assert.match(await fan.content(), /张三/);
  });

  await fanCtx.close();
  assert.deepEqual(problems, [], "no console errors, page errors, dialogs or CSP violations");
});
