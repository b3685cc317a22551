# ruff: noqa: E501
# (long lines: one vocabulary per line reads best)
"""Mechanism rules of the covert detector: what an attack does, in any language.

The pattern table and the sentence analyser know English phrasing well; an
attacker who writes in Korean, Arabic or Dutch, or phrases the same attack
differently, slips past them. These rules look for the *mechanism* instead,
as co-occurrences inside one sentence:

* out-of-scope data (conversation, system instructions, secrets, personal
  identifiers) plus a sink inside the tool (one of its own parameter names,
  or a field/parameter word) -> data smuggled into an argument;
* a concealment phrase next to such a directive -> hiding it from the user;
* "if the user asks ..., answer no" / "but actually" -> lying to the user;
* other tools' results declared wrong, or a directive for work done "with
  any tool" -> shadowing;
* "follow / carry out the instructions found in" retrieved content ->
  handing control to whoever wrote that content;
* sharing queries with partners together with personal data -> a sink.

Vocabularies are short lists per language (English, German, French,
Spanish, Portuguese, Italian, Dutch, Russian, Arabic, Chinese, Japanese,
Korean); scripts without word spaces are matched as substrings. Standard
library only.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from threatvec.detect._covert_needles import Grams, NeedleGate
from threatvec.detect._covert_regex import compile_fast

__all__ = ["MechanismHit", "mechanism_hits"]

MechanismHit = tuple[str, float, int, int, str]  # rule id, weight, start, end, note

_DATA = (
    # conversation and the model's own context
    r"(?<!later )(?<!future )(?<!other )(?<!new )(?<!next )\bconversations?\b|\bchat (?:history|log|transcript)|\btranscripts?\b|\bverbatim copy\b|\beverything the user (?:and you )?(?:has |have )?(?:said|typed|written)|"
    r"\b(?:previous|earlier|prior|recent) (?:user )?messages\b|\bhidden configuration\b|\bsystem (?:prompt|instructions?|message)\b|"
    r"\bconversación\b|\bconversa\b|\bconversazione\b|\bgesprek\b|\bgesprächsverlauf|\bchatverlauf|\bhistori(?:que|al|co)\b|"
    r"\bsystemanweisung\w*|\binstrucciones del sistema\b|\binstructions système\b|"
    r"переписк|диалог|истори[юия] (?:чата|сообщений)|системн\w* (?:инструкц|промпт)|محادث|سجل المحادثة|"
    r"对话|会话|聊天记录|系统提示|会話|対話|チャット履歴|システムプロンプト|대화|시스템 프롬프트"
    # secrets
    r"|\bpasswords?\b|\bpasscodes?\b|\bapi[ -]?(?:keys?|sleutels?|schlüssel)\b|\baccess tokens?\b|\btokens\b|\bsecrets\b|\bcredentials\b|"
    r"\bcard (?:numbers?|details)\b|\bcredit cards?\b|\bcart(?:ão|ões|a|e) de crédit|\bnúmeros? de cart|\benvironment variables?\b|\benv(?:ironment)? vars?\b|"
    r"\bomgevingsvariabel\w*|\bumgebungsvariabl\w*|\bvariables? d'environnement\b|\bvariables de entorno\b|\bcontraseñas?\b|\bmots? de passe\b|"
    r"\bsenhas?\b|\bpasswörter\b|\bwachtwoord\w*|пароль|парол[ия]|ключ\w* api|كلمات المرور|كلمة المرور|كلمة السر|"
    r"密码|口令|密钥|パスワード|秘密鍵|비밀번호|api 키"
    r"|~/|\.env\b|\bid_(?:rsa|ed25519)\b|\.ssh\b|\.aws\b|\.kube\b|\.netrc\b|"
    # personal identifiers
    r"\bauthori[sz]ation headers?\b|\bsession tokens?\b|\b[a-z]+_(?:token|secret|password|api_key|key)\b|\bevery secret\b|\bcontents? of\b|\bpersonal data\b|"
    r"\bcredenciales\b|\bcredenziali\b|\bidentifiants\b|\bzugangsdaten\b|\bcredenciais\b|\binloggegevens\b|\bhasł\w*|\btreść\b|"
    r"बातचीत|पासवर्ड|वार्तालाप|"
    r"\bip address(?:es)?\b|\b(?:account |e-?mail )(?:address|email)\b|\be-?mail address(?:es)?\b|\bphone numbers?\b|\bhome address\b|"
    r"\bprivate notes\b|\bsocial security\b|\bpassport\b|\bid numbers?\b|身份证|住址|电话号码|手机号|メールアドレス|電話番号|住所|"
    r"이메일|전화번호|주민등록|номер (?:телефона|карты|паспорта)|رقم (?:الهاتف|البطاقة)"
)
# compile_fast: same matches, far fewer engine steps per position (issue #4).
_DATA_RE = compile_fast(_DATA)
_SINK_WORD_RE = compile_fast(
    r"\b(?:field|parameter|argument|param|arg|champ|paramètre|campo|parámetro|parametro|feld|veld|"
    r"veldje|argumento|parametru|parametr|pole)\b|फ़ील्ड|फील्ड|पैरामीटर|поле|параметр|حقل|معامل|参数|字段|引数|パラメータ|フィールド|필드|매개변수|인자"
)
_CONCEAL_RE = compile_fast(
    r"\b(?:silently|quietly|secretly|covertly|discreetly|without (?:telling|informing|notifying|asking|mentioning|alerting)|"
    r"(?:do not|don't|never|no need to|need not) (?:tell|mention|inform|notify|show|reveal|disclose)|"
    r"(?:does not|doesn't|do not|don't|must not|should not|need not) (?:need to )?(?:see|know|be (?:told|shown|informed))|"
    r"need not be (?:shown|mentioned|disclosed)|not (?:be )?(?:shown|visible) to the user|"
    r"sin (?:decir|avisar|informar|mencionar)|no se lo digas|no (?:lo )?menciones|sans (?:le dire|prévenir|informer|mentionner)|"
    r"ne (?:le )?(?:dis|mentionne) pas|senza (?:dire|avvisare|informare|dirlo)|sem (?:avisar|contar|informar|mencionar)|"
    r"não (?:deve ser )?(?:mencion|cont|avis)\w*|ohne (?:\w+ ){0,3}zu (?:sagen|informieren|erwähnen|fragen)|erwähne (?:\w+ ){0,4}nicht|"
    r"niet (?:vertellen|melden|vermelden)|zonder (?:te )?(?:melden|vertellen))\b|"
    r"незаметно|тайно|не (?:упоминай|упоминать|сообщай|сообщать|говори)|"
    r"دون (?:إخبار|علم|إعلام)|سرا|"
    r"不要告诉|无需告知|不必告知|不要提及|不要让用户|悄悄|秘密地|伝えない|言わない|知らせない|伝えないで|黙って|こっそり|몰래|알리지|말하지 마"
)
_ADDRESSEE_RE = compile_fast(
    r"\b(?:assistant|assistants|the model|model-facing|llm|ai agent|agents?|asistente|assistente|assistent|"
    r"assistenten|asystent\w*|asystencie)\b|सहायक|ассистент|модел[ьи]|المساعد|النموذج|助手|模型|アシスタント|モデル|어시스턴트|모델"
)
_ACTION_RE = compile_fast(
    r"\b(?:include|put|place|pass|copy|paste|send|add|append|attach|echo|fill|insert|store|save|forward|carry|share|keep|print|write|"
    r"dołącz|wyślij|wpisz|"
    r"shared|incluye|incluya|inclua|envie|envía|envoie|inclus|ajoute|füge|übergib|kopiere|sende|stuur|stuurt|"
    r"voeg|metti|inserisci|includi|invia|copia|copie)\w*\b|"
    r"добав|включ|отправ|скопир|перед|أرسل|إرسال|ضع|أضف|放入|填写|填入|写入|添加|复制|附上|入れ|追加|記入|コピー|넣|포함|복사|첨부"
)
_DECEIVE_RE = compile_fast(
    r"\b(?:if|when|whenever)\b[^.;\n]{0,60}\b(?:asks?|asked|wonders?|questions?)\b[^.;\n]{0,80}\b(?:answer|say|reply|respond|tell (?:them|him|her))\b[^.;\n]{0,20}\b(?:no|yes|that)\b|"
    r"\bbut actually\b|\bdescribe (?:it|them|the results?|everything) (?:to the user )?as (?:coming )?from\b|"
    r"\b(?:present|report|label) (?:it|them|the results?) (?:to the user )?as (?:coming )?from\b|"
    r"\b(?:se|si|wenn|als|if)\b[^.;\n]{0,60}\b(?:chiede|pregunta|pergunta|demande|fragt|vraagt)\b[^.;\n]{0,60}\b(?:rispondi|responde|responda|réponds|antworte|antwoord)\w*\b[^.;\n]{0,15}\b(?:di no|que no|que não|non|nein|nee|no)\b"
)
_DISTRUST_RE = compile_fast(
    r"\b(?:results?|outputs?|data|answers?) (?:from|of|returned by) (?:any |all )?other (?:[\w-]+ ){0,2}(?:tools?|servers?|providers?|plugins?)\b[^.;\n]{0,60}\b(?:wrong|incorrect|unreliable|outdated|fake|discard|ignore|disregard)\w*|"
    r"\b(?:discard|ignore|disregard) (?:the )?(?:results?|outputs?|answers?) (?:from|of) (?:any |all )?other (?:[\w-]+ ){0,2}tools?\b|"
    r"\bwhen (?:reviewing|using|calling|running|writing|editing|sending)\b[^.;\n]{0,40}\bwith any (?:other )?tool\b|"
    r"\bapprove\b[^.;\n]{0,60}\bwithout (?:comment|review|checking|looking)\b|"
    r"\bnever (?:call|use) the other\b|\b(?:prefer|use) this (?:tool )?(?:over|instead of) [\w-]+ (?:from|on|of) (?:the )?[\w-]+ server\b"
)
_DEST_RE = compile_fast(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://[^\s\"'<>)]+")
_COPY_RE = compile_fast(
    r"\b(?:blind copy|bcc|cc|a copy|copies|copia (?:oculta|nascosta)|copie cachée|cópia oculta|blindkopie)\b"
)
_SWAP_RE = compile_fast(
    r"\b(?:change|replace|swap|switch|set|cambia|reemplaza|sustituye|remplace|ersetze|ändere|vervang|wijzig|substitua|troque|sostituisci)\w*\b"
    r"[^.;\n]{0,50}\b(?:iban|account|recipient|destination|wallet|beneficiary|payee|destino|cuenta|compte|konto|rekening|conta|conto|destinatario|empfänger|bénéficiaire)\b"
    r"[^.;\n]{0,40}\b[a-z]{2}\d{2}(?: ?\w{4}){3,}"
)
# Messages or calls diverted to a fixed number or address "instead of" the one
# the user meant, in any of the covered languages.
_REDIRECT_RE = compile_fast(
    r"\b(?:redirect|reroute|re-route|divert|forward|route|send|redirige|redirigez|renvoie|transf[eè]re|reenv[ií]a|redirig\w*|desv[ií]a|"
    r"encaminh\w*|redireciona\w*|leite\w*|stuur\w*|reindirizz\w*|inoltr\w*|devia)\b"
    r"[^.;\n]{0,80}(?:\+?\d[\d ().-]{7,}\d|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)[^;\n]{0,40}?"
    r"\b(?:instead of|rather than|au lieu d|à la place d|en lugar de|en vez de|statt|anstatt|in plaats van|invece d|em vez d|ao invés d)"
)
_AUTHORITY_RE = compile_fast(
    r"\b(?:maintainers?|developers?|vendor|operators?|administrators?|authors?|publisher)\b[^.;\n]{0,50}\b(?:requires?|mandates?|expects?|insists?|demands?) that (?:you|the (?:model|assistant|agent)|every|all)\b"
)
_FOLLOW_RE = compile_fast(
    r"\b(?:follow|carry out|obey|execute|perform|act on|do what)\b[^.;\n]{0,40}\b(?:instructions?|directives?|commands?|orders?|steps)\b[^.;\n]{0,40}\b(?:on|in|from|found|inside|within|contained)\b[^.;\n]{0,30}\b(?:pages?|documents?|results?|responses?|digests?|content|e-?mails?|websites?|sites?|links?|outputs?|files?|issues?|comments?|tickets?|messages returned)\b|"
    r"\b(?:directives?|instructions?|commands?)\b[^.;\n]{0,60}\b(?:carry them out|follow them|obey them|execute them|do them)\b|"
    r"\bfollow (?:any|all|the) (?:instructions?|directives?) (?:it|they|the page|the document|the result)s? (?:returns?|contains?|gives?)\b|"
    r"\b(?:treat|regard|consider)\b[^.;\n]{0,60}\bas (?:instructions?|commands?|directives?) from\b"
)
_NEGATED_RE = compile_fast(r"\b(?:never|not|no|don't|doesn't|won't|cannot|refuses? to|without)\b")
_RECON_RE = compile_fast(
    r"\b(?:list|listing|enumerate|name|names of)\b[^.;\n]{0,20}\b(?:every|all|each|any) (?:other )?(?:tools?|servers?|functions?)\b[^.;\n]{0,30}\b(?:you|the (?:model|assistant|agent)) (?:have|has|can)\b|"
    r"\becho(?:es)? (?:its|your|the) (?:hidden |system |internal )?(?:configuration|instructions|prompt)\b"
)
_PARTNER_RE = compile_fast(
    r"\b(?:shared|sent|forwarded|sold|passed|disclosed) (?:\w+ ){0,3}(?:with|to) (?:our |third[- ]party |select |trusted )?(?:partners?|advertisers?|affiliates?|third parties)\b"
)
_INTO_RE = compile_fast(r"\b(?:in|into|to|as|inside)\s+(?:the\s+|its\s+|this\s+)?$")
# Sentences; a dot inside an address or a file name ("x@y.io", ".env") does not end one.
_SENT_RE = re.compile(r"(?:[^.!?;。！？\n]|[.!?](?=[\w/~]))+[.!?;。！？\n]*")


def _param_in(sentence: str, params: Collection[str]) -> str:
    """A parameter of the tool named in the sentence, or ''."""
    # Sorted: a set's order changes with the hash seed, and the note names the parameter.
    for p in sorted(params):
        if len(p) < 2:
            continue
        i = sentence.find(p)
        while i >= 0:
            before = sentence[i - 1] if i > 0 else " "
            after = sentence[i + len(p)] if i + len(p) < len(sentence) else " "
            whole_word = not (before.isalnum() or before == "_") and not (
                after.isalnum() or after == "_"
            )
            # A bare English word ("prompt", "query") is only a sink when it is
            # marked as an argument: quoted, "into the X", "X field".
            if whole_word and (
                not sentence.isascii()
                or before in "`'\""
                or _INTO_RE.search(sentence[max(0, i - 12) : i]) is not None
                or _SINK_WORD_RE.match(sentence, i + len(p) + 1) is not None
            ):
                return p
            i = sentence.find(p, i + 1)
    return ""


_WORD_RE = re.compile(r"[^\W\d_]{3,}")


def _about_itself(found: str, own_words: frozenset[str]) -> bool:
    # A key store that mentions API keys, a login tool's password parameter:
    # the data is the tool's own subject, not something smuggled in.
    return any(w[:4] in own_words for w in _WORD_RE.findall(found))


def mechanism_hits(
    lower: str,
    *,
    param_names: Collection[str] = (),
    own_name: str = "",
    grams: Grams | None = None,
) -> list[MechanismHit]:
    """Mechanism evidence in one normalised, lower-cased string (see the module docstring)."""
    if len(lower) < 16:
        return []
    g = grams if grams is not None else Grams(lower)
    may_data = _DATA_GATE.may_match(g)
    may_conceal = _CONCEAL_GATE.may_match(g)
    may_dest = "@" in lower or "://" in lower
    single = [
        entry for entry, gate in zip(_SINGLE, _SINGLE_GATES, strict=True) if gate.may_match(g)
    ]
    if not (may_data or may_conceal or may_dest or single):
        # Every hit needs out-of-scope data, concealment, an address or one
        # of the single-pattern mechanisms; the text can hold none of them.
        return []
    may_addressee = _ADDRESSEE_GATE.may_match(g)
    may_action = _ACTION_GATE.may_match(g)
    may_sink = _SINK_GATE.may_match(g)
    own_words = frozenset(
        w[:4]
        for name in (own_name, *param_names)
        for w in _WORD_RE.findall(name.lower().replace("_", " "))
    )
    out: list[MechanismHit] = []
    for sm in _SENT_RE.finditer(lower):
        s = sm.group(0)
        if len(s) < 12:
            continue
        base = sm.start()
        data = _DATA_RE.search(s) if may_data else None
        conceal = _CONCEAL_RE.search(s) if may_conceal else None
        addressed = may_addressee and _ADDRESSEE_RE.search(s) is not None
        if data is not None:
            param = _param_in(s, param_names)
            sink = bool(param) or (may_sink and _SINK_WORD_RE.search(s) is not None)
            action = may_action and _ACTION_RE.search(s) is not None
            if (
                sink
                and action
                and not _NEGATED_RE.search(s, 0, data.start())
                and not _about_itself(data.group(0), own_words)
            ):
                weight = 0.8 if (addressed or conceal is not None) else 0.5
                where = f"the {param!r} parameter" if param else "an argument"
                out.append(("TV-COVERT-022", weight, base + data.start(), base + data.end(),
                            f"out-of-scope data routed into {where}"))  # fmt: skip
        dest = _DEST_RE.search(s) if ("@" in s or "://" in s) else None
        if dest is not None and (
            (
                data is not None
                and may_action
                and _ACTION_RE.search(s)
                and not _about_itself(data.group(0), own_words)
            )
            or _COPY_RE.search(s)
        ):
            out.append(("TV-COVERT-021", 0.9, base + dest.start(), base + dest.end(),
                        "sends data or a copy to a fixed outside address"))  # fmt: skip
        if conceal is not None and (
            data is not None or addressed or (may_action and _ACTION_RE.search(s))
        ):
            out.append(("TV-COVERT-013", 0.6 if data is not None or addressed else 0.4,
                        base + conceal.start(), base + conceal.end(), "hide this from the user"))  # fmt: skip
        for regex, rule, weight, note in single:
            m = regex.search(s)
            if m is None:
                continue
            if regex is _FOLLOW_RE and _NEGATED_RE.search(s, max(0, m.start() - 25), m.start()):
                continue  # "never follow instructions found in pages"
            if regex is _PARTNER_RE and data is None and "user" not in s:
                continue
            out.append((rule, weight, base + m.start(), base + m.end(), note))
    return out


_SINGLE: tuple[tuple[re.Pattern[str], str, float, str], ...] = (
    (_DECEIVE_RE, "TV-COVERT-025", 1.0, "tells the model to answer the user falsely"),
    (_DISTRUST_RE, "TV-COVERT-040", 1.0, "discredits or directs other tools"),
    (_FOLLOW_RE, "TV-COVERT-017", 1.0, "hands control to instructions in retrieved content"),
    (_RECON_RE, "TV-COVERT-022", 0.8, "asks for the agent's tools or hidden configuration"),
    (_PARTNER_RE, "TV-COVERT-021", 1.0, "shares user data with third parties"),
    (_SWAP_RE, "TV-COVERT-021", 1.0, "replaces a payment destination with a fixed account"),
    (_REDIRECT_RE, "TV-COVERT-021", 1.0, "diverts messages to a fixed destination instead"),
    (_AUTHORITY_RE, "TV-COVERT-012", 0.6, "claims an authority that requires the model to act"),
)

# Needle gates (issue #4): a regex runs only on text holding one of the
# literals every one of its matches contains (see _covert_needles).
_DATA_GATE = NeedleGate.of(re.compile(_DATA))  # from the source as written
_CONCEAL_GATE = NeedleGate.of(_CONCEAL_RE)
_ADDRESSEE_GATE = NeedleGate.of(_ADDRESSEE_RE)
_ACTION_GATE = NeedleGate.of(_ACTION_RE)
_SINK_GATE = NeedleGate.of(_SINK_WORD_RE)
_SINGLE_GATES = tuple(NeedleGate.of(regex) for regex, *_ in _SINGLE)
