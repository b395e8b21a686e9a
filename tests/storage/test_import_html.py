"""Articles from HTML: text, metadata and embedded tweets; encodings; over HTTP."""
from __future__ import annotations

import pytest
from aiohttp import web

from storage.errors import ImportFormatError
from storage.fetch import Fetcher, FetchSettings, UnsupportedContentError, fetch_source
from storage.importers import detect_format, get_parser
from storage.importers.html import decode_html, parse_html, parse_html_page, reconcile_tweet_date
from storage.records import PartialDate

# Status ids made for the dates they claim (id >> 22 is ms since Twitter's epoch).
ID_10_FEB = "432884659123249728"  # 2014-02-10 14:32 UTC
ID_11_FEB = "433164754744369728"  # 2014-02-11 09:05 UTC

ARTICLE = f"""<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<title>جبهة النصرة تسيطر على حقول النفط في دير الزور | نون بوست</title>
<meta property="og:title" content="جبهة النصرة تسيطر على حقول النفط في دير الزور">
<meta property="og:site_name" content="نون بوست">
<meta property="og:type" content="article">
<meta property="og:url" content="https://www.noonpost.example/content/1234">
<meta property="article:published_time" content="2014-02-12T08:15:00+03:00">
<meta name="author" content="بقلم أحمد الحلبي">
<link rel="canonical" href="/content/1234">
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "x"}}</script>
</head>
<body>
<header class="site-header"><nav><a href="/">الرئيسية</a> <a href="/syria">سوريا</a></nav></header>
<article>
<h1>جبهة النصرة تسيطر على حقول النفط في دير الزور</h1>
<div class="byline">بقلم أحمد الحلبي | 12 فبراير 2014</div>
<p>سيطرت جبهة النصرة على حقول النفط في ريف دير الزور الشرقي بعد معارك عنيفة مع تنظيم الدولة استمرت عدة أيام. وقال مصدر في الجبهة إن مقاتلي التنظيم انسحبوا من المنطقة تحت ضغط الهجمات.</p>
<p>في المقابل، قال أنصار التنظيم إنه انسحب حقنا للدماء ولم يُهزم في أي معركة، وإن الحديث عن طرده من دير الزور مبالغ فيه.</p>
<blockquote class="twitter-tweet" lang="ar"><p lang="ar" dir="rtl">رتل من الجيش الحر يدخل حقل كونيكو للغاز <a href="https://twitter.com/hashtag/دير_الزور?src=hash">#دير_الزور</a> <a href="https://t.co/inQcuEy2wx">pic.twitter.com/inQcuEy2wx</a></p>&mdash; محمد سرميني (@mohsarmini) <a href="https://twitter.com/mohsarmini/status/{ID_10_FEB}">February 10, 2014</a></blockquote>
<p>وتعد حقول النفط في دير الزور من أهم مصادر التمويل للفصائل المسلحة في شرق سوريا.</p>
<blockquote class="twitter-tweet"><p lang="ar" dir="rtl">الدولة تنسحب من الشحيل بعد اتفاق مع العشائر <a href="https://x.com/hashtag/سوريا">#سوريا</a></p>&mdash; Zaid Benjamin (@zaidbenjamin) <a href="https://x.com/zaidbenjamin/statuses/{ID_11_FEB}?ref_src=twsrc%5Etfw">February 11, 2014</a></blockquote>
<script async src="https://platform.twitter.com/widgets.js" charset="utf-8"></script>
<p>ويرى مراقبون أن السيطرة على النفط ستغير موازين القوى في المنطقة خلال الأشهر القادمة.</p>
</article>
<footer class="site-footer">جميع الحقوق محفوظة © نون بوست</footer>
</body>
</html>
"""

NO_META = """<html>
<head><title>قصف على حي الشعار في حلب</title></head>
<body>
<div class="post">
<h1>قصف على حي الشعار في حلب</h1>
<div class="post-meta"><span class="author">بقلم: سامر الأحمد</span> <span class="date">الاثنين 10 شباط 2014</span></div>
<div class="entry">
<p>تعرض حي الشعار في مدينة حلب لقصف عنيف بالبراميل المتفجرة صباح اليوم، ما أدى إلى سقوط عدد من الضحايا بين المدنيين.</p>
<p>وأفاد ناشطون بأن الطيران المروحي ألقى أربعة براميل على الأحياء السكنية المكتظة، وأن فرق الدفاع المدني ما زالت تبحث عن ناجين تحت الأنقاض.</p>
<p>وكانت الأحياء الشرقية من حلب قد شهدت تصعيدا كبيرا منذ منتصف كانون الأول الماضي.</p>
<blockquote class="twitter-tweet"><p>صور من حي الشعار بعد القصف</p>&mdash; Aleppo Media (@AleppoAMC) <a href="https://twitter.com/AleppoAMC/status/{id}">February 8, 2014</a></blockquote>
</div></div>
</body></html>
""".replace("{id}", "432242427294769728")


@pytest.fixture(scope="module")
def article():
    return parse_html(ARTICLE.encode("utf-8"), url="https://www.noonpost.example/content/1234?utm=x")


def test_article_metadata(article):
    assert article.id == ""
    assert article.title == "جبهة النصرة تسيطر على حقول النفط في دير الزور"
    assert article.publisher == "نون بوست"
    assert article.author == "أحمد الحلبي"  # without "بقلم"
    assert article.date == PartialDate(2014, 2, 12)
    assert article.url == "https://www.noonpost.example/content/1234"
    assert article.lang == "ar"


def test_article_text_is_split_into_sentences_without_tweets_or_chrome(article):
    texts = [p.text for p in article.passages]
    assert any(t.startswith("سيطرت جبهة النصرة على حقول النفط") for t in texts)
    assert any("وقال مصدر في الجبهة" in t for t in texts)
    assert any("حقنا للدماء" in t for t in texts)
    assert any("موازين القوى" in t for t in texts)
    whole = " ".join(texts)
    assert "كونيكو" not in whole and "الشحيل" not in whole  # tweet text stays in posts
    assert "جميع الحقوق محفوظة" not in whole
    assert [p.index for p in article.passages] == list(range(len(article.passages)))


def test_both_embedded_tweets_are_parsed(article):
    first, second = article.posts
    assert first.text.startswith("رتل من الجيش الحر يدخل حقل كونيكو للغاز")
    assert first.author == "محمد سرميني" and first.handle == "mohsarmini"
    assert first.status_id == ID_10_FEB
    assert first.status_url == f"https://twitter.com/mohsarmini/status/{ID_10_FEB}"
    assert first.date == PartialDate(2014, 2, 10)
    assert "https://t.co/inQcuEy2wx" in first.urls
    assert any("دير" in tag for tag in first.hashtags)
    assert second.author == "Zaid Benjamin" and second.handle == "zaidbenjamin"
    assert second.status_id == ID_11_FEB
    assert second.status_url == f"https://x.com/zaidbenjamin/statuses/{ID_11_FEB}"
    assert second.date == PartialDate(2014, 2, 11)
    assert second.text.startswith("الدولة تنسحب من الشحيل")


def test_a_page_without_meta_tags_uses_its_byline():
    source = parse_html(NO_META.encode("utf-8"))
    assert source.title == "قصف على حي الشعار في حلب"
    assert source.author == "سامر الأحمد"
    # the byline's Levantine date, not the embedded tweet's (8 Feb)
    assert source.date == PartialDate(2014, 2, 10)
    assert source.lang == "ar"
    assert len(source.posts) == 1 and source.posts[0].handle == "AleppoAMC"
    assert not any("صور من حي الشعار" in p.text for p in source.passages)


def test_a_shown_date_contradicting_the_status_id_is_replaced_and_noted():
    wrong = ARTICLE.replace("February 11, 2014", "March 3, 2015")
    page = parse_html_page(wrong.encode("utf-8"))
    assert page.source.posts[1].date == PartialDate(2014, 2, 11)
    assert len(page.notes) == 1 and "2015-03-03" in page.notes[0] and ID_11_FEB in page.notes[0]


def test_a_one_day_time_zone_difference_keeps_the_shown_date():
    date, note = reconcile_tweet_date(PartialDate(2014, 2, 11), ID_10_FEB)
    assert date == PartialDate(2014, 2, 11) and note == ""
    date, note = reconcile_tweet_date(None, ID_10_FEB)
    assert date == PartialDate(2014, 2, 10) and note == ""


# --- encodings ---------------------------------------------------------------------

ARABIC_1256 = """<html><head>{meta}<title>معارك في دير الزور</title></head><body>
<h1>معارك في دير الزور</h1>
<p>اندلعت اشتباكات عنيفة بين جبهة النصرة وتنظيم الدولة في ريف دير الزور الشرقي، وسقط عدد من القتلى من الطرفين.</p>
<p>وقالت مصادر محلية إن الاشتباكات تركزت قرب حقل العمر النفطي، وإن المدنيين نزحوا من القرى المجاورة خوفا من القصف.</p>
</body></html>"""
EXPECTED = "اندلعت اشتباكات عنيفة بين جبهة النصرة وتنظيم الدولة"


@pytest.mark.parametrize(
    "meta, header",
    [
        ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">', None),
        ('<meta charset="windows-1256">', None),
        ("", "windows-1256"),
        ("", None),  # neither: detected
    ],
    ids=["meta-http-equiv", "meta-charset", "header-only", "detected"],
)
def test_windows_1256_pages_decode_right(meta, header):
    data = ARABIC_1256.format(meta=meta).encode("windows-1256")
    text = decode_html(data, header)
    assert EXPECTED in text
    source = parse_html(data, charset=header)
    assert source.passages[0].text.startswith(EXPECTED)


def test_a_wrong_declared_charset_does_not_garble_utf8():
    data = ARABIC_1256.format(meta='<meta charset="windows-1256">').encode("utf-8")
    assert EXPECTED in decode_html(data, None)


def test_not_html_is_refused_clearly():
    with pytest.raises(ImportFormatError, match="no article text"):
        parse_html(b"<html><body></body></html>")


# --- registry and files ---------------------------------------------------------------


def test_html_files_go_through_the_import_registry(tmp_path):
    path = tmp_path / "article.html"
    path.write_bytes(ARTICLE.encode("utf-8"))
    fmt = detect_format(path, path.read_bytes()[:512])
    assert fmt == "html"
    result = get_parser(fmt)(path.read_bytes(), str(path))
    (source,) = result.sources
    assert source.publisher == "نون بوست" and len(source.posts) == 2


# --- over HTTP ---------------------------------------------------------------------------


@pytest.fixture
async def site():
    pages: dict[str, tuple[bytes, str]] = {}

    async def handler(request: web.Request):
        body, content_type = pages[request.path]
        return web.Response(body=body, headers={"Content-Type": content_type})

    app = web.Application()
    app.router.add_get("/{name}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}", pages
    await runner.cleanup()


LOCAL = FetchSettings(allow_loopback=True)


async def test_fetch_source_reads_an_article(site):
    base, pages = site
    pages["/story"] = (ARTICLE.encode("utf-8"), "text/html; charset=utf-8")
    source = await fetch_source(base + "/story", LOCAL)
    assert source.title.startswith("جبهة النصرة")
    assert len(source.posts) == 2
    assert source.url == "https://www.noonpost.example/content/1234"  # canonical


async def test_fetch_source_uses_the_header_charset(site):
    base, pages = site
    pages["/old"] = (ARABIC_1256.format(meta="").encode("windows-1256"), "text/html; charset=windows-1256")
    async with Fetcher(LOCAL) as fetcher:
        source = await fetch_source(base + "/old", fetcher=fetcher)
    assert source.passages[0].text.startswith(EXPECTED)
    assert source.url == base + "/old"  # no canonical link: the fetched URL


async def test_fetch_source_refuses_other_content(site):
    base, pages = site
    pages["/img"] = (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "image/png")
    with pytest.raises(UnsupportedContentError, match="image/png"):
        await fetch_source(base + "/img", LOCAL)
