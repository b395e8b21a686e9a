"""Arabic localizations of command names and descriptions, and reply strings.

Command text is declared in English in the cogs; `IsnadTranslator` gives
Discord the Arabic name and description for each, keyed by the English text,
so the cogs stay readable and nothing is duplicated. Replies go through `t()`.
"""
from __future__ import annotations

import discord
from discord import app_commands

# English command text -> Arabic. Names must be lower case, no spaces (except
# context menus), at most 32 characters; descriptions at most 100.
COMMAND_AR: dict[str, str] = {
    # names
    "verify": "تحقق",
    "claim": "الادعاء",
    "private": "خاص",
    "Verify claim": "تحقق من الادعاء",
    "isnad": "إسناد",
    "help": "مساعدة",
    "about": "عن_الأرشيف",
    "source": "مصدر",
    "add": "إضافة",
    "url": "رابط",
    "file": "ملف",
    "paste": "لصق",
    "list": "قائمة",
    "page": "صفحة",
    "show": "عرض",
    "remove": "حذف",
    "id": "المعرف",
    "digest": "ملخص",
    "set": "ضبط",
    "off": "إيقاف",
    "preview": "معاينة",
    "channel": "القناة",
    "time": "الوقت",
    "timezone": "المنطقة_الزمنية",
    "language": "اللغة",
    "value": "القيمة",
    # descriptions
    "Find where a claim already appears in the archive, when, and who tells it differently":
        "ابحث عن الادعاء في الأرشيف: أين ورد ومتى ومن يرويه بشكل مختلف",
    "A quoted claim, a pasted tweet, or a tweet or t.co link":
        "ادعاء منقول أو تغريدة ملصقة أو رابط تغريدة أو t.co",
    "Only you see the answer": "الرد يظهر لك وحدك",
    "About Isnad": "عن إسناد",
    "How to use Isnad": "طريقة استخدام إسناد",
    "What the archive holds": "محتوى الأرشيف",
    "Manage the archive's sources (moderators)": "إدارة مصادر الأرشيف (للمشرفين)",
    "Import an article from a link or a file (text, JSONL, HTML, PDF)": "استيراد مقال من رابط أو ملف (نص، JSONL، HTML، PDF)",
    "The article's link": "رابط المقال",
    "A text, JSONL, HTML or PDF file": "ملف نصي أو JSONL أو HTML أو PDF",
    "Reply language in this server (moderators)": "لغة الردود في هذا الخادم (للمشرفين)",
    "ar: Arabic, en: English": "ar: العربية، en: الإنجليزية",
    "Paste an article's text in a form": "الصق نص مقال في نموذج",
    "List the archived sources": "اعرض المصادر المؤرشفة",
    "Page number": "رقم الصفحة",
    "Show one source and its history": "اعرض مصدرًا واحدًا وسجله",
    "Remove a source (asks first)": "احذف مصدرًا (مع طلب التأكيد)",
    "The source id, as /source list shows it": "معرّف المصدر كما يظهر في قائمة المصادر",
    "Daily digest of new sources and asked claims (moderators)": "ملخص يومي للمصادر الجديدة والادعاءات (للمشرفين)",
    "Post a daily digest in a channel": "انشر ملخصًا يوميًا في قناة",
    "The channel for the digest": "قناة الملخص",
    "Time of day, HH:MM (24 h)": "وقت النشر بصيغة HH:MM (24 ساعة)",
    "IANA time zone, e.g. Asia/Damascus": "المنطقة الزمنية، مثل Asia/Damascus",
    "Stop the daily digest": "أوقف الملخص اليومي",
    "Show the digest as it would be posted now": "اعرض الملخص كما سينشر الآن",
}


def is_arabic_locale(locale: object) -> bool:
    """Discord's locale list (and discord.Locale) has no Arabic today; an "ar"
    locale arrives as an unknown value, so compare the code, not the enum."""
    return str(getattr(locale, "value", locale) or "").lower().startswith("ar")


class IsnadTranslator(app_commands.Translator):
    """Arabic names and descriptions.

    Not visible today: Discord's client locales (and so discord.Locale, which
    discord.py iterates when it asks a translator) include no Arabic, so
    translate() is never called with an Arabic locale and Discord shows the
    English names. They are kept so they apply the day Discord adds Arabic.
    Arabic *replies* do not wait for that: moderators choose the server's
    reply language with /isnad language (bot/discord/language.py)."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if not is_arabic_locale(locale):
            return None
        return COMMAND_AR.get(string.message)


# Reply strings: key -> (English, Arabic). Placeholders use str.format.
STRINGS: dict[str, tuple[str, str]] = {
    "result.title": ("What the archive says", "ما يقوله الأرشيف"),
    "result.claim": ("Claim", "الادعاء"),
    "result.nothing": ("Nothing in the archive matches.", "لا شيء في الأرشيف يطابق هذا الادعاء."),
    "result.first": ("First carried by {who} on {date}.", "أول من نقله: {who} بتاريخ {date}."),
    "result.recycled": (
        "The account is {days} days older than the claim: it may be recycled.",
        "الرواية أقدم من الادعاء بـ{days} يومًا: قد تكون معادة التدوير.",
    ),
    "result.timeline": ("Who carried it, when", "من نقله ومتى"),
    "result.conflicts": ("Conflicting accounts", "روايات متعارضة"),
    "result.more_conflicts": ("{n} more conflicting accounts on the last pages.", "{n} روايات متعارضة أخرى في الصفحات الأخيرة."),
    "result.conflict_against": ("contradicts match {n}", "تخالف النتيجة {n}"),
    "result.match": ("Match {n} of {total}", "النتيجة {n} من {total}"),
    "result.publisher": ("Publisher", "الناشر"),
    "result.author": ("Author", "الكاتب"),
    "result.date": ("Date", "التاريخ"),
    "result.score": ("Score", "الدرجة"),
    "result.link": ("Link", "الرابط"),
    "result.sentence": ("Matched sentence", "الجملة المطابقة"),
    "result.items": ("In this source", "في هذا المصدر"),
    "result.items_value": ("{n} matching passages; the best is shown", "{n} مقاطع مطابقة، يظهر أفضلها"),
    "result.page": ("Page {n} of {total}", "الصفحة {n} من {total}"),
    "result.unknown_date": ("date unknown", "تاريخ غير معروف"),
    "result.notes": ("Notes", "ملاحظات"),
    # Notes from verifiers (verifiers.report.Note codes); the English side is the verifier's own wording.
    "note.archived_tweet": ("this exact tweet is archived in {article}, {date}",
                            "هذه التغريدة نفسها محفوظة في الأرشيف، في «{article}»، {date}"),
    "note.archived_link": ("this link appears in an archived tweet by {who} in {article}, {date}",
                           "هذا الرابط موجود في تغريدة محفوظة ({who}) في «{article}»، {date}"),
    "note.leads_to": ("{link} leads to {url}", "الرابط {link} يقود إلى {url}"),
    "note.fetched_tweet": ("not archived; fetched the tweet: {who}, {date}",
                           "التغريدة غير محفوظة في الأرشيف؛ جُلبت من تويتر: {who}، {date}"),
    "note.could_not_fetch": ("could not fetch the tweet (deleted, private or unreachable); paste its text",
                             "تعذّر جلب التغريدة (محذوفة أو خاصة أو لا يمكن الوصول إليها)؛ الصق نصّها"),
    "note.fetch_off": ("not archived; fetching from the web is off, so paste the tweet's text",
                       "التغريدة غير محفوظة، وجلب الصفحات من الويب متوقف؛ الصق نصّها"),
    "note.could_not_follow": ("could not follow {link}: {error}", "تعذّر تتبّع الرابط {link}: {error}"),
    "note.no_tweet_link": ("no tweet link in the claim", "لا يوجد رابط تغريدة في الادعاء"),
    "note.link_not_archived": ("the link is not in the archive", "الرابط غير موجود في الأرشيف"),
    # Why an account conflicts (verifiers.stance cues).
    "note.denial_in_text": ("the text denies it: {words}", "النص ينفي ذلك: {words}"),
    "note.denial_in_claim": ("the claim is a denial ({words}) and the text is not", "الادعاء نفيٌ ({words}) والنص ليس كذلك"),
    "note.negation_in_text": ("a negation in the text: {words}", "نفي في النص: {words}"),
    "note.negation_in_claim": ("a negation in the claim: {words}", "نفي في الادعاء: {words}"),
    "note.opposite_account": ("opposite account: {claim} in the claim vs {text} in the text",
                              "رواية معاكسة: {claim} في الادعاء مقابل {text} في النص"),
    "note.different_actor": ("a different actor: {text} in the text vs {claim} in the claim",
                             "جهة مختلفة: {text} في النص مقابل {claim} في الادعاء"),
    "note.different_number": ("a different number: {claim} in the claim vs {text} in the text",
                              "رقم مختلف: {claim} في الادعاء مقابل {text} في النص"),
    "note.different_year": ("a different year: {claim} in the claim vs {text} in the text",
                            "سنة مختلفة: {claim} في الادعاء مقابل {text} في النص"),
    "button.prev": ("Previous", "السابق"),
    "button.next": ("Next", "التالي"),
    "button.confirm": ("Remove", "احذف"),
    "button.cancel": ("Cancel", "إلغاء"),
    "error.generic": (
        "Something went wrong while answering. It was logged; please try again.",
        "حدث خطأ أثناء الرد وتم تسجيله. حاول مرة أخرى.",
    ),
    "error.cooldown": (
        "Please wait {seconds} s before the next verification.",
        "يرجى الانتظار {seconds} ثانية قبل التحقق التالي.",
    ),
    "error.too_long": (
        "The claim is {length} characters long; the limit is {limit}.",
        "طول الادعاء {length} حرفًا والحد الأقصى {limit}.",
    ),
    "error.empty": ("The claim is empty.", "الادعاء فارغ."),
    "error.not_moderator": (
        "Only moderators can do this (a moderator role or Manage Server).",
        "هذا الأمر للمشرفين فقط (دور مشرف أو صلاحية إدارة الخادم).",
    ),
    "error.guild_only": ("This command works in a server only.", "هذا الأمر يعمل داخل الخوادم فقط."),
    "source.already": ("This page is already archived as {id}.", "هذه الصفحة مؤرشفة من قبل بالمعرف {id}."),
    "language.set": (
        "Isnad now replies in English in this server.",
        "سيرد إسناد بالعربية في هذا الخادم من الآن.",
    ),
    "source.need_one": ("Give either url or file.", "حدد رابطًا أو ملفًا (واحدًا فقط)."),
    "source.too_big": (
        "The file is {size} bytes; the limit is {limit} bytes.",
        "حجم الملف {size} بايت والحد الأقصى {limit} بايت.",
    ),
    "source.bad_type": (
        "Files of type .{ext} are not accepted. Accepted: {allowed}.",
        "الملفات من نوع ‎.{ext} غير مقبولة. المقبول: {allowed}.",
    ),
    "source.no_importer": (
        "Files of type .{ext} cannot be imported yet.",
        "لا يمكن استيراد ملفات ‎.{ext} بعد.",
    ),
    "source.bad_file": ("The file could not be imported: {error}", "تعذر استيراد الملف: {error}"),
    "source.added": ("Added {count} source(s):", "أضيف {count} مصدر:"),
    "source.skipped": ("Skipped: {what}: {why}", "تم تخطي: {what}: {why}"),
    "source.nothing_added": ("Nothing was added.", "لم يُضف شيء."),
    "source.fetch_failed": ("The link could not be imported: {error}", "تعذر استيراد الرابط: {error}"),
    "source.none": ("The archive is empty.", "الأرشيف فارغ."),
    "source.list_title": ("Archived sources ({count})", "المصادر المؤرشفة ({count})"),
    "source.not_found": ("No source has the id {id}.", "لا يوجد مصدر بالمعرف {id}."),
    "source.history": ("History", "السجل"),
    "source.confirm": ("Remove **{title}** ({id}) from the archive?", "حذف **{title}** ({id}) من الأرشيف؟"),
    "source.removed": ("Removed {id}.", "تم حذف {id}."),
    "source.cancelled": ("Nothing was removed.", "لم يُحذف شيء."),
    "source.counts": ("{passages} passages, {posts} posts", "{passages} فقرة، {posts} تغريدة"),
    "source.event.add": ("added by {by} at {at}", "أضافه {by} في {at}"),
    "source.event.remove": ("removed by {by} at {at}", "حذفه {by} في {at}"),
    "modal.title": ("Paste an article", "لصق مقال"),
    "modal.field.title": ("Title", "العنوان"),
    "modal.field.publisher": ("Publisher", "الناشر"),
    "modal.field.date": ("Date (YYYY-MM-DD)", "التاريخ (YYYY-MM-DD)"),
    "modal.field.url": ("Link", "الرابط"),
    "modal.field.text": ("Text", "النص"),
    "modal.bad_date": ("The date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD.", "التاريخ {date!r} ليس بصيغة YYYY-MM-DD."),
    "digest.set": (
        "The digest will be posted in {channel} every day at {time} ({tz}).",
        "سينشر الملخص في {channel} يوميًا الساعة {time} ({tz}).",
    ),
    "digest.off": ("The daily digest is off.", "تم إيقاف الملخص اليومي."),
    "digest.was_off": ("There was no digest to stop.", "لم يكن هناك ملخص مفعّل."),
    "digest.bad_time": ("The time {time!r} is not HH:MM (24 h).", "الوقت {time!r} ليس بصيغة HH:MM."),
    "digest.bad_tz": ("{tz!r} is not a time zone (try Asia/Damascus or UTC).", "{tz!r} ليست منطقة زمنية (جرّب Asia/Damascus أو UTC)."),
    "digest.title": ("Isnad digest", "ملخص إسناد"),
    "digest.period": ("From {start} to {end}", "من {start} إلى {end}"),
    "digest.new_sources": ("New sources", "مصادر جديدة"),
    "digest.claims": ("Claims asked (most asked first)", "الادعاءات المطروحة (الأكثر طلبًا أولًا)"),
    "digest.conflicts": ("Conflicts found", "تعارضات وُجدت"),
    "digest.unmatched": ("Claims that found nothing", "ادعاءات لم يُعثر لها على شيء"),
    "digest.no_match": ("no match", "لا تطابق"),
    "digest.none": ("none", "لا شيء"),
    "digest.times": ("×{n}", "×{n}"),
    "help.title": ("Isnad: how to use it", "إسناد: طريقة الاستخدام"),
    "help.body": (
        "**/verify claim:** paste a claim, a tweet (with its attribution line) or a tweet/t.co link. "
        "Isnad shows where the archive carries it, when, who first, and who tells it differently.\n"
        "**Verify claim** (message menu): verifies any message and the tweet links in it.\n"
        "**/isnad about:** what the archive holds.\n"
        "Moderators: **/source add · paste · list · show · remove**, **/digest set · off · preview**, "
        "**/isnad language** (reply language in this server).",
        "**/verify claim:** الصق ادعاءً أو تغريدة (مع سطر نسبتها) أو رابط تغريدة أو t.co. "
        "يعرض إسناد أين ورد في الأرشيف ومتى وأول من نقله ومن يرويه بشكل مختلف.\n"
        "**Verify claim** (قائمة الرسالة): يتحقق من أي رسالة ومن روابط التغريدات فيها.\n"
        "**/isnad about:** محتوى الأرشيف.\n"
        "للمشرفين: **/source** (add، paste، list، show، remove) و**/digest** (set، off، preview) "
        "و**/isnad language** (لغة الردود في هذا الخادم).",
    ),
    "about.title": ("About the archive", "عن الأرشيف"),
    "about.body": (
        "{sources} sources, {passages} passages, {posts} posts.\nDates: {earliest} to {latest}.",
        "{sources} مصدر، {passages} فقرة، {posts} تغريدة.\nالتواريخ: من {earliest} إلى {latest}.",
    ),
}


def t(key: str, lang: str, **values: object) -> str:
    en, ar = STRINGS[key]
    template = ar if lang == "ar" else en
    return template.format(**values) if values else template


def note_text(note: str, lang: str) -> str:
    """A verifier's note (verifiers.report.Note) in the reply language; English
    notes, and any note without a translation, stay as the verifier wrote them."""
    key = f"note.{getattr(note, 'code', '')}"
    if lang != "ar" or key not in STRINGS:
        return str(note)
    return t(key, lang, **note.params)  # type: ignore[attr-defined]


def lang_of(interaction: discord.Interaction, default: str = "en") -> str:
    """Arabic for members whose Discord client is in Arabic, English for other
    known locales, the configured default when the locale is missing."""
    locale = getattr(interaction, "locale", None)
    if not locale:
        return default
    return "ar" if is_arabic_locale(locale) else "en"


def lang_of_text(text: str, default: str = "en") -> str:
    """For mentions, which carry no locale: answer in the claim's language."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return default
    arabic = sum(1 for c in letters if "\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f")
    return "ar" if arabic * 2 >= len(letters) else "en"
