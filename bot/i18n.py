"""Every reply string in English and Arabic, for all front ends.

`t(key, lang)` gives a string in the reply language ("en" or "ar"); `note_text`
words a verifier's note (verifiers.report.Note) the same way. Discord-only
text (command names and their Arabic forms) stays in bot/discord/i18n.py.
"""
from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any

from storage.language import detect_language
from verifiers.report import Note

LANGUAGES = ("ar", "en")

# Reply strings: key -> (English, Arabic). Placeholders use str.format.
STRINGS: dict[str, tuple[str, str]] = {
    "result.title": ("What the archive says", "ما يقوله الأرشيف"),
    "result.claim": ("Claim", "الادعاء"),
    "result.first": ("First carried by {who} on {date}.", "أول من نقله: {who} بتاريخ {date}."),
    "result.recycled_title": ("⚠ An old story shared as new", "⚠ قصة قديمة تُتداول على أنها جديدة"),
    "result.recycled": (
        "First posted {first}; shared again as new on {claim}, {span} later.",
        "نُشرت أول مرة في {first}، وتُتداول من جديد على أنها جديدة في {claim}، أي بعد {span}.",
    ),
    "result.timeline": ("Who carried it, when", "من نقله ومتى"),
    "result.conflicts": ("Conflicting accounts", "روايات متعارضة"),
    "result.more_conflicts": ("{n:account} more on the last pages.", "في الصفحات الأخيرة: {n:account} أخرى."),
    "result.conflict_against": ("contradicts match {n}", "تخالف النتيجة {n}"),
    # The verdict, first in every reply (verifiers/verdict.py), the stance of each account and its reason.
    "result.conflict_claim": ("contradicts the claim",
                              "تخالف الادعاء"),
    "result.stance": ("Stance",
                      "الموقف"),
    "result.possible": ("{n:possible} below: not evidence enough on their own.",
                        "أدناه {n:possible}، ولا تكفي دليلًا وحدها."),
    "result.possible_one": ("Possibly related",
                            "قد تكون ذات صلة"),
    "verdict.supported": ("Supported: the archive carries this.",
                          "مؤكَّد: الأرشيف ينقل هذا الادعاء."),
    "verdict.contradicted": ("Contradicted: the archive contradicts this.",
                             "مُكذَّب: الأرشيف يناقض هذا الادعاء."),
    "verdict.disputed": ("Disputed: the archive carries this, but another account contradicts it.",
                         "متنازَع عليه: الأرشيف ينقل هذا الادعاء، لكن رواية أخرى تناقضه."),
    "verdict.related": ("Related: the archive tells of the same event, but neither carries nor contradicts this.",
                        "ذو صلة: في الأرشيف روايات عن الحدث نفسه لا تؤكد الادعاء ولا تناقضه."),
    "verdict.not_found": ("Not found. Nothing in the archive matches.",
                          "غير موجود. لا شيء في الأرشيف يطابق هذا الادعاء."),
    "verdict.wrote": ("{who} wrote, on {date}:",
                      "كتب {who} بتاريخ {date}:"),
    "verdict.wrote_undated": ("{who} wrote:",
                              "كتب {who}:"),
    "verdict.why": ("Why",
                    "السبب"),
    "stance.supports": ("supports the claim",
                        "تؤيد الادعاء"),
    "stance.contradicts": ("contradicts the claim",
                           "تناقض الادعاء"),
    "stance.related": ("related, neither supports nor contradicts",
                       "ذات صلة، لا تؤيد ولا تناقض"),
    "note.reversed_act": ("the act is reversed: {claim} in the claim vs {text} in the text",
                          "الفعل معكوس: {claim} في الادعاء مقابل {text} في النص"),
    "note.swapped_roles": ("someone else had to leave: {claim} in the claim, {text} in the text",
                           "الطرف الذي خرج مختلف: {claim} في الادعاء، {text} في النص"),
    "note.swapped_order": ("the roles are swapped: the claim puts {claim} first, the text {text}",
                           "الأدوار معكوسة: الادعاء يقدّم {claim} والنص يقدّم {text}"),
    "note.different_place": ("a different place: {claim} in the claim vs {text} in the text",
                             "مكان مختلف: {claim} في الادعاء مقابل {text} في النص"),
    "note.different_speaker": ("said by someone else: {claim} in the claim vs {text} in the text",
                               "القائل مختلف: {claim} في الادعاء مقابل {text} في النص"),
    "note.undoing_in_claim": ("only the claim says {words}",
                              "الادعاء وحده يقول {words}"),
    "note.undoing_in_text": ("only the text says {words}",
                             "النص وحده يقول {words}"),
    "note.different_wording": ("different wording: {claim} in the claim vs {text} in the text",
                               "صياغة مختلفة: {claim} في الادعاء مقابل {text} في النص"),
    "note.changed_in_claim": ("a changed detail: {words} only in the claim",
                              "تفصيل مختلف: {words} في الادعاء وحده"),
    "note.changed_in_text": ("a changed detail: {words} only in the text",
                             "تفصيل مختلف: {words} في النص وحده"),
    "note.changed_account": ("a changed account ({pct}% sure)",
                             "رواية مختلفة (بثقة {pct}%)"),
    "note.adds_detail": ("the text adds detail: {words}",
                         "النص يضيف تفصيلًا: {words}"),
    "note.same_account": ("same account: {pct}% of the claim's words, no contradiction found",
                          "الرواية نفسها: {pct}% من كلمات الادعاء، دون تناقض"),
    "note.related_only": ("related at most: {n} shared words, not the same account",
                          "ذات صلة فقط: عدد الكلمات المشتركة {n}، وليست الرواية نفسها"),
    "note.nothing_shared": ("nothing in common: no shared words or names",
                            "لا شيء مشترك: لا كلمات ولا أسماء مشتركة"),
    "note.little_shared": ("little in common: {n} shared words",
                           "القليل مشترك: عدد الكلمات المشتركة {n}"),
    "result.sentence": ("Matched sentence", "الجملة المطابقة"),
    "result.items": ("In this source", "في هذا المصدر"),
    "result.items_value": ("{n:passage} matched; the best is shown", "طابقت {n:passage}، وتظهر أفضلها"),
    "result.match": ("Match {n} of {total}", "النتيجة {n} من {total}"),
    "result.publisher": ("Publisher", "الناشر"),
    "result.author": ("Author", "الكاتب"),
    "result.date": ("Date", "التاريخ"),
    "result.score": ("Score", "الدرجة"),
    "result.link": ("Link", "الرابط"),
    "result.page": ("Page {n} of {total}", "الصفحة {n} من {total}"),
    "result.unknown_date": ("date unknown", "تاريخ غير معروف"),
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
    "note.denial_in_claim": ("the claim is a denial ({words}) and the text is not",
                             "الادعاء نفيٌ ({words}) والنص ليس كذلك"),
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
    "paging.expired": ("These pages have expired; run the command again (/verify, /source list).",
                       "انتهت صلاحية هذه الصفحات؛ أعد الأمر من جديد (`/verify`، `/source list`)."),
    "button.cancel": ("Cancel", "إلغاء"),
    "error.generic": (
        "Something went wrong while answering. It was logged; please try again.",
        "حدث خطأ أثناء الرد وتم تسجيله. حاول مرة أخرى.",
    ),
    "error.busy": (
        "Too many claims are waiting; try again in {seconds:second}.",
        "ادعاءات كثيرة في الانتظار؛ حاول مرة أخرى بعد {seconds:second}.",
    ),
    "pace.queued": (
        "Queued: “{claim}” will be answered in about {seconds:second}.",
        "في قائمة الانتظار: سيُجاب عن «{claim}» بعد {seconds:second} تقريبًا.",
    ),
    "error.too_long": (
        "The claim is {length:character} long; the limit is {limit}.",
        "طول الادعاء {length:character} والحد الأقصى {limit}.",
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
        "The file is {size:byte}; the limit is {limit:byte}.",
        "حجم الملف {size:byte} والحد الأقصى {limit:byte}.",
    ),
    "source.bad_type": (
        "Files of type .{ext} are not accepted. Accepted: {allowed}.",
        "الملفات من نوع ‎.{ext} غير مقبولة. المقبول: {allowed}.",
    ),
    "source.bad_file": ("The file could not be imported: {error}", "تعذر استيراد الملف: {error}"),
    "source.added": ("Added {count:source}:", "تمت إضافة {count:source}:"),
    "source.nothing_added": ("Nothing was added.", "لم يُضف شيء."),
    "source.fetch_failed": ("The link could not be imported: {error}", "تعذر استيراد الرابط: {error}"),
    "source.none": ("The archive is empty.", "الأرشيف فارغ."),
    "source.list_title": ("Archived sources ({count})", "المصادر المؤرشفة (العدد: {count})"),
    "source.not_found": ("No source has the id {id}.", "لا يوجد مصدر بالمعرف {id}."),
    "source.history": ("History", "السجل"),
    "source.confirm": ("Remove **{title}** ({id}) from the archive?", "حذف **{title}** ({id}) من الأرشيف؟"),
    "source.removed": ("Removed {id}.", "تم حذف {id}."),
    "source.cancelled": ("Nothing was removed.", "لم يُحذف شيء."),
    "source.counts": ("{passages:passage}, {posts:post}", "{passages:passage}، {posts:post}"),
    "source.event.add": ("added by {by} at {at}", "أضافه {by} في {at}"),
    "source.event.remove": ("removed by {by} at {at}", "حذفه {by} في {at}"),
    "modal.title": ("Paste an article", "لصق مقال"),
    "modal.field.title": ("Title", "العنوان"),
    "modal.field.publisher": ("Publisher", "الناشر"),
    "modal.field.date": ("Date (2014-02-10 or 10/02/2014)", "التاريخ (مثل 10/02/2014)"),
    "modal.field.url": ("Link", "الرابط"),
    "modal.field.text": ("Text", "النص"),
    "modal.bad_date": (
        "The date “{date}” could not be read (write 2014-02-10, 10/02/2014 or 10 February 2014). "
        "Nothing was lost: press the button to correct it.",
        "تعذّرت قراءة التاريخ «{date}» (اكتب مثلًا 10/02/2014 أو 10 فبراير 2014). "
        "لم يضع شيء مما لصقته: اضغط الزر لتصحيح التاريخ.",
    ),
    "button.edit_paste": ("Correct the date", "صحّح التاريخ"),
    "digest.set": (
        "The digest will be posted in {channel} every day at {time} ({tz}). Next: {next} ({offset}).",
        "سينشر الملخص في {channel} يوميًا الساعة {time} ({tz}). الموعد التالي: {next} ({offset}).",
    ),
    "digest.cannot_post": (
        "Isnad cannot post the digest in {channel}: it lacks {missing} there. Give it those permissions, "
        "or choose another channel.",
        "لا يستطيع إسناد نشر الملخص في {channel}: تنقصه هناك صلاحية {missing}. امنحه هذه الصلاحيات أو اختر قناة أخرى.",
    ),
    "digest.failed": (
        "The Isnad digest could not be posted in {channel}: {reason}. It will be tried again in {minutes:minute}.",
        "تعذّر نشر ملخص إسناد في {channel}: {reason}. ستُعاد المحاولة بعد {minutes:minute}.",
    ),
    "digest.failed_forbidden": ("the bot is not allowed to post there", "لا يُسمح للبوت بالنشر هناك"),
    "digest.failed_other": ("Discord refused the message", "رفض ديسكورد الرسالة"),
    "perm.view_channel": ("View Channel", "عرض القناة"),
    "perm.send_messages": ("Send Messages", "إرسال الرسائل"),
    "perm.embed_links": ("Embed Links", "تضمين الروابط"),
    "reply.checked": ("Checked message: {link}", "الرسالة التي جرى التحقق منها: {link}"),
    "digest.need_set": ("Set the digest first with /digest set.", "اضبط الملخص أولًا بالأمر `/digest set`."),
    "digest.from_list": ("The digest lists public claims asked in: {channels}.",
                         "يعرض الملخص الادعاءات العلنية المطروحة في: {channels}."),
    "digest.from_default": ("The digest lists public claims asked in its own channel's category.",
                            "يعرض الملخص الادعاءات العلنية المطروحة في فئة قناته."),
    "digest.off": ("The daily digest is off.", "تم إيقاف الملخص اليومي."),
    "digest.was_off": ("There was no digest to stop.", "لم يكن هناك ملخص مفعّل."),
    "digest.bad_time": ("The time {time!r} is not HH:MM (24 h).",
                        "الوقت «{time}» غير صالح: اكتب الساعة والدقيقة بنظام 24 ساعة، مثل 07:30."),
    "digest.bad_tz": ("{tz!r} is not a time zone (try Asia/Damascus or UTC).",
                      "«{tz}» ليست منطقة زمنية (جرّب \u2068Asia/Damascus\u2069 أو \u2068UTC\u2069)."),
    "digest.title": ("Isnad digest", "ملخص إسناد"),
    "digest.period": ("From {start} to {end} ({tz})", "من {start} إلى {end} ({tz})"),
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
        "**/verify image:** a screenshot of a tweet: Isnad reads it and shows what it read "
        "(the menu reads a message's screenshots too).\n"
        "**/isnad about:** what the archive holds.\n"
        "Moderators: **/source add · paste · list · show · remove**, **/digest set · off · preview**, "
        "**/isnad language** (reply language in this server).",
        "`/verify claim:` الصق ادعاءً أو تغريدة (مع سطر نسبتها) أو رابط تغريدة أو رابطًا مختصرًا (`t.co`). "
        "يعرض إسناد أين ورد في الأرشيف ومتى وأول من نقله ومن يرويه بشكل مختلف.\n"
        "`Verify claim` (قائمة الرسالة): يتحقق من أي رسالة ومن روابط التغريدات فيها. "
        "وللتحقق برسالة: اذكر إسناد في رد على الرسالة.\n"
        "`/verify image:` لقطة شاشة لتغريدة: يقرؤها إسناد ويعرض ما قرأه "
        "(والقائمة تقرأ لقطات الشاشة في الرسالة أيضًا).\n"
        "`/isnad about`: محتوى الأرشيف.\n"
        "للمشرفين: `/source` (`add`، `paste`، `list`، `show`، `remove`) و`/digest` (`set`، `off`، `preview`) "
        "و`/isnad language` (لغة الردود في هذا الخادم).",
    ),
    # Claims as screenshots: bot/discord/image_claims.py, verifiers/screenshot.py.
    "image.read": ("📷 Read from the image {name}: {quote}", "📷 قُرئ من الصورة {name}: {quote}"),
    "note.read_from_image": ("the claim was read from an image: {quote}", "قُرئ الادعاء من صورة: {quote}"),
    "error.need_claim_or_image": ("Give a claim, or an image (a screenshot) to read it from.",
                                  "أرسل ادعاءً، أو صورة (لقطة شاشة) يُقرأ منها."),
    "error.not_an_image": ("{name} is not a PNG, JPEG or WebP image.",
                           "الملف {name} ليس صورة من نوع `PNG` أو `JPEG` أو `WebP`."),
    "error.image_too_big": ("{name} is {size} bytes; images up to {limit} bytes are read.",
                            "حجم الصورة {name} هو {size} بايت، والحد الأقصى {limit} بايت."),
    "error.bad_image": ("This image cannot be read: {reason}.", "تعذّرت قراءة الصورة: {reason}."),
    "error.ocr_unavailable": (
        "Isnad cannot read images here: Tesseract OCR is not installed. An administrator can install it "
        "(Debian/Ubuntu: tesseract-ocr tesseract-ocr-ara tesseract-ocr-eng, and pip install tesserocr). "
        "Meanwhile, paste the tweet's text.",
        "لا يستطيع إسناد قراءة الصور هنا: برنامج التعرف على النصوص (`Tesseract OCR`) غير مثبّت. يمكن للمسؤول "
        "تثبيته (`apt-get install tesseract-ocr tesseract-ocr-ara tesseract-ocr-eng` ثم `pip install tesserocr`). "
        "إلى ذلك الحين، الصق نص التغريدة.",
    ),
    "error.no_text_in_image": ("No text could be read in {name}; a clearer or larger screenshot may help.",
                               "تعذّرت قراءة أي نص في {name}؛ قد تفيد لقطة أوضح أو أكبر."),
    "about.title": ("About the archive", "عن الأرشيف"),
    "about.body": (
        "{sources:source}, {passages:passage}, {posts:post}.\nDates: {earliest} to {latest}.",
        "{sources:source}، {passages:passage}، {posts:post}.\nالتواريخ: من {earliest} إلى {latest}.",
    ),
}


# Counted nouns, for "{n:second}" in a template: English (one, many); Arabic
# (1, 2, 3–10, 11–99, and 100s/0). Arabic counts agree with the number: 1 and
# 2 are said by the noun alone (singular + واحد, dual), 3–10 take the plural,
# 11–99 the singular accusative, round hundreds the singular. The dual is in
# the oblique form (ثانيتين), as the templates use it after a preposition or
# a verbal noun.
NOUNS: dict[str, tuple[str, str, str, str, str, str, str]] = {
    "second": ("second", "seconds", "ثانية واحدة", "ثانيتين", "ثوانٍ", "ثانية", "ثانية"),
    "minute": ("minute", "minutes", "دقيقة واحدة", "دقيقتين", "دقائق", "دقيقة", "دقيقة"),
    "day": ("day", "days", "يوم واحد", "يومين", "أيام", "يومًا", "يوم"),
    "year": ("year", "years", "سنة واحدة", "سنتين", "سنوات", "سنة", "سنة"),
    "source": ("source", "sources", "مصدر واحد", "مصدرين", "مصادر", "مصدرًا", "مصدر"),
    "passage": ("passage", "passages", "فقرة واحدة", "فقرتين", "فقرات", "فقرة", "فقرة"),
    "post": ("post", "posts", "تغريدة واحدة", "تغريدتين", "تغريدات", "تغريدة", "تغريدة"),
    "claim": ("claim", "claims", "ادعاء واحد", "ادعاءين", "ادعاءات", "ادعاءً", "ادعاء"),
    "character": ("character", "characters", "حرف واحد", "حرفين", "أحرف", "حرفًا", "حرف"),
    "byte": ("byte", "bytes", "بايت واحد", "بايتين", "بايتات", "بايتًا", "بايت"),
    "possible": ("possibly related account", "possibly related accounts", "رواية واحدة قد تكون ذات صلة",
                 "روايتان قد تكونان ذات صلة", "روايات قد تكون ذات صلة", "رواية قد تكون ذات صلة",
                 "رواية قد تكون ذات صلة"),
    "account": ("conflicting account", "conflicting accounts", "رواية متعارضة واحدة", "روايتين متعارضتين",
                "روايات متعارضة", "رواية متعارضة", "رواية متعارضة"),
}


def count(n: int, noun: str, lang: str) -> str:
    """`n` of a counted noun (NOUNS), grammatical in the language: "9 ثوانٍ", "ثانيتين", "12 ثانية"."""
    en1, en_many, ar1, ar2, ar_few, ar_many, ar_hundreds = NOUNS[noun]
    if lang != "ar":
        return f"{n} {en1 if n == 1 else en_many}"
    if n == 1:
        return ar1
    if n == 2:
        return ar2
    rest = n % 100
    if 3 <= rest <= 10:
        return f"{n} {ar_few}"
    if 11 <= rest <= 99:
        return f"{n} {ar_many}"
    return f"{n} {ar_hundreds}"  # 0, 100, 101, 102, 200…


class _Formatter(string.Formatter):
    """str.format, plus "{n:noun}" for a counted noun in the reply language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec in NOUNS and isinstance(value, int):
            return count(value, format_spec, self.lang)
        return super().format_field(value, format_spec)


def t(key: str, lang: str, **values: object) -> str:
    en, ar = STRINGS[key]
    template = ar if lang == "ar" else en
    return _Formatter(lang).format(template, **values) if values else template


def note_text(note: str | Note, lang: str) -> str:
    """A verifier's note (verifiers.report.Note) in the reply language; English
    notes, and any note without a translation, stay as the verifier wrote them."""
    key = f"note.{getattr(note, 'code', '')}"
    if lang != "ar" or key not in STRINGS:
        return str(note)
    assert isinstance(note, Note)
    return t(key, lang, **note.params)


# Match reasons are English sentences from the verifiers (verifiers/rerank.py,
# the exact-link reasons of verifiers/engine.py); these patterns word them in
# Arabic. A reason no pattern knows stays as written, and the Arabic-mode test
# (tests/bot/discord/test_arabic_e2e.py) fails, so a new wording is not missed.
_REASONS: list[tuple[re.Pattern[str], str]] = [
    # verifiers/rerank.py (same language)
    (re.compile(r"(\d+) of (\d+) words and concepts shared \(\+(\d+) spelt differently\), wording (\d+)% alike"),
     "يشتركان في {0} من {1} من الكلمات والمفاهيم (و{2} بتهجئة مختلفة)، وتتشابه الصياغة بنسبة {3}٪"),
    (re.compile(r"(\d+) of (\d+) words and concepts shared, wording (\d+)% alike"),
     "يشتركان في {0} من {1} من الكلمات والمفاهيم، وتتشابه الصياغة بنسبة {2}٪"),
    (re.compile(r"wording (\d+)%, (\d+) of (\d+) words and concepts shared"),
     "تطابق الصياغة {0}٪، ويشتركان في {1} من {2} من الكلمات والمفاهيم"),
    # verifiers/rerank.py and verifiers/crosslang.py (across languages)
    (re.compile(r"other language, (\d+) of (\d+) names and events shared"),
     "بلغة أخرى، ويشتركان في {0} من {1} من الأسماء والأحداث"),
    (re.compile(r"other language, no known names or events"), "بلغة أخرى، دون أسماء أو أحداث معروفة"),
    (re.compile(r"other language, meaning (\d+)% alike, (\d+)% of names and events shared"),
     "بلغة أخرى، ويتشابه المعنى بنسبة {0}٪، ويشتركان في {1}٪ من الأسماء والأحداث"),
    (re.compile(r"other language, meaning (\d+)% alike"), "بلغة أخرى، ويتشابه المعنى بنسبة {0}٪"),
    # verifiers/engine.py and verifiers/same_post.py (exact matches)
    (re.compile(r"same tweet \(its handle and text\)"), "التغريدة نفسها (الحساب والنص نفسهما)"),
    (re.compile(r"same tweet"), "التغريدة نفسها"),
    (re.compile(r"same link"), "الرابط نفسه"),
]


_DETAILS: list[tuple[re.Pattern[str], str]] = [
    # storage's audit trail: "7 passages, 5 posts" (storage/tinydb_store.py, storage/postgres_store.py)
    (re.compile(r"^(\d+) passages?, (\d+) posts?$"), "{passages:passage}، {posts:post}"),
]


def detail_text(detail: str, lang: str) -> str:
    """An audit entry's detail (English, from storage) in the reply language."""
    if lang != "ar":
        return detail
    for pattern, arabic in _DETAILS:
        found = pattern.match(detail.strip())
        if found:
            passages, posts = (int(x) for x in found.groups())
            return _Formatter(lang).format(arabic, passages=passages, posts=posts)
    return detail


def reason_text(reason: str | Note, lang: str) -> str:
    """Why a match matched, in the reply language (see _REASONS)."""
    if lang != "ar" or not reason:
        return str(reason)
    if isinstance(reason, Note) and f"note.{reason.code}" in STRINGS:
        return note_text(reason, lang)
    text = str(reason)
    for pattern, arabic in _REASONS:
        text = pattern.sub(_worded(arabic), text)
    return text.replace("; ", "؛ ")


def _worded(arabic: str) -> Callable[[re.Match[str]], str]:
    return lambda found: arabic.format(*found.groups())


# Archive and fetch errors (storage/errors.py, storage/fetch.py) by their
# class, nearest first: the Arabic sentence; the error's own English detail
# follows in a code span (technical text, quoted as it is, for the moderator).
_ERRORS: dict[str, str] = {
    "BlockedURLError": "الرابط مرفوض (عنوان خاص أو محلي أو غير صالح)",
    "FetchTimeoutError": "لم يُجب الموقع في الوقت المحدد",
    "FetchTooLargeError": "الصفحة أو الملف أكبر من الحد المسموح",
    "TooManyRedirectsError": "تحويلات كثيرة من رابط إلى آخر",
    "FetchNetworkError": "تعذّر الاتصال بالموقع",
    "FetchHTTPError": "أجاب الموقع بخطأ",
    "UnsupportedContentError": "ليست صفحة ويب ولا ملف PDF",
    "ImportFormatError": "الملف ليس بالصيغة المتوقعة",
    "CorruptArchiveError": "ملف الأرشيف تالف",
    "FetchError": "تعذّر الجلب",
    "ArchiveError": "خطأ في الأرشيف",
}


def error_text(error: BaseException, lang: str, limit: int = 1200) -> str:
    """An archive or fetch error for a reply: as is in English; in Arabic, an
    Arabic sentence by the error's class, then its detail quoted as code."""
    detail = " ".join(str(error).split())[:limit]
    if lang != "ar":
        return detail
    for cls in type(error).__mro__:
        if cls.__name__ in _ERRORS:
            sentence = _ERRORS[cls.__name__]
            status = getattr(error, "status", None)
            if isinstance(status, int):
                sentence += f" {status}"
            return f"{sentence} (`{detail.replace('`', '')}`)" if detail else sentence
    return f"`{detail.replace('`', '')}`"


_SKIPPED: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(?:(?P<what>.+?): )?already archived as (?P<id>\S+)(?: \((?P<url>\S+)\))?$"),
     "مؤرشف من قبل بالمعرف `{id}`"),
]


def skipped_text(text: str, lang: str) -> str:
    """A line of "Skipped: …" from an import, in the reply language."""
    if lang != "ar":
        return text
    line = re.match(r"^line (\d+): (.*)$", text)
    prefix = ""
    if line:
        prefix, text = f"السطر {line[1]}: ", line[2]
    for pattern, arabic in _SKIPPED:
        found = pattern.match(text)
        if found:
            return prefix + arabic.format(**found.groupdict())
    return prefix + f"`{text.replace('`', '')}`"


def text_language(text: str, default: str = "en") -> str:
    """For mentions, which carry no locale: answer in the claim's language."""
    return detect_language(text, default)
