"""Discord's side of the languages: Arabic command names and descriptions, and locales.

Command text is declared in English in the cogs; `IsnadTranslator` gives
Discord the Arabic name and description for each, keyed by the English text,
so the cogs stay readable and nothing is duplicated. Reply strings are in
bot/i18n.py (`t()`), shared by every front end.
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
    "from": "من_القنوات",
    # descriptions
    "Choose the channels whose claims the digest lists": "اختر القنوات التي يعرض الملخص ادعاءاتها",
    "A channel whose public claims the digest may list": "قناة يعرض الملخص ادعاءاتها العلنية",
    "Take the channel off the list instead": "احذف القناة من القائمة بدلًا من إضافتها",
    # descriptions
    "Find where a claim already appears in the archive, when, and who tells it differently":
        "ابحث عن الادعاء في الأرشيف: أين ورد ومتى ومن يرويه بشكل مختلف",
    "A quoted claim, a pasted tweet, or a tweet or t.co link":
        "ادعاء منقول أو تغريدة ملصقة أو رابط تغريدة أو t.co",
    "Only you see the answer": "الرد يظهر لك وحدك",
    # /verify image:
    "image": "صورة",
    "A screenshot of the claim, e.g. of a tweet (PNG, JPEG or WebP)":
        "لقطة شاشة للادعاء، كتغريدة (PNG أو JPEG أو WebP)",
    "About Isnad": "عن إسناد",
    "How to use Isnad": "طريقة استخدام إسناد",
    "What the archive holds": "محتوى الأرشيف",
    "Manage the archive's sources (moderators)": "إدارة مصادر الأرشيف (للمشرفين)",
    "Import an article from a link or a file (text, JSONL, HTML, PDF)":
        "استيراد مقال من رابط أو ملف (نص، JSONL، HTML، PDF)",
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
    reply language with /isnad language (bot/app/languages.py)."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        if not is_arabic_locale(locale):
            return None
        return COMMAND_AR.get(string.message)


def lang_of(interaction: discord.Interaction, default: str = "en") -> str:
    """Arabic for members whose Discord client is in Arabic, English for other
    known locales, the configured default when the locale is missing."""
    locale = getattr(interaction, "locale", None)
    if not locale:
        return default
    return "ar" if is_arabic_locale(locale) else "en"
