# ruff: noqa: E501
# (long lines: one pattern or one test vector per line reads best)
"""Rule table for covert-instruction and prompt-injection detection.

One place per rule: its stable id, the marker name ``injection`` reports,
severity, weight (how much evidence one hit is), MITRE ATLAS and OWASP LLM
2025 ids, and the text patterns that produce it. ``covert`` weighs the hits;
``injection`` lists the markers. Patterns run on normalised, lower-cased
text and each carries cheap ``needles`` (plain substrings) so a pattern's
regex only runs when one of its needles is present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from threatvec.detect._covert_regex import compile_fast

__all__ = ["RULES", "TEXT_PATTERNS", "Rule", "TextPattern", "rule"]

LLM01 = "LLM01:2025"  # prompt injection
LLM02 = "LLM02:2025"  # sensitive information disclosure
LLM03 = "LLM03:2025"  # supply chain (poisoned MCP server / tool)
LLM06 = "LLM06:2025"  # excessive agency
LLM04 = "LLM04:2025"  # data and model poisoning
LLM07 = "LLM07:2025"  # system prompt leakage
LLM09 = "LLM09:2025"  # misinformation

# MITRE ATLAS (data version 5.6.0) technique ids used below.
T_INDIRECT_PI = "AML.T0051.001"  # LLM Prompt Injection: Indirect
T_TOOL_INVOCATION = "AML.T0053"  # AI Agent Tool Invocation
T_JAILBREAK = "AML.T0054"  # LLM Jailbreak
T_UNSECURED_CREDS = "AML.T0055"  # Unsecured Credentials
T_SYSTEM_PROMPT = "AML.T0056"  # Extract LLM System Prompt
T_DATA_LEAKAGE = "AML.T0057"  # LLM Data Leakage
T_TRUSTED_OUTPUT = "AML.T0067"  # LLM Trusted Output Components Manipulation
T_OBFUSCATION = "AML.T0068"  # LLM Prompt Obfuscation
T_MEMORY_POISONING = "AML.T0080.000"  # AI Agent Context Poisoning: Memory
T_AGENT_CONFIG_CREDS = "AML.T0083"  # Credentials from AI Agent Configuration
T_EXFIL_TOOL = "AML.T0086"  # Exfiltration via AI Agent Tool Invocation
T_TOOL_CREDS = "AML.T0098"  # AI Agent Tool Credential Harvesting
T_TOOL_POISONING = "AML.T0110"  # AI Agent Tool Poisoning
T_SCRIPTING = "AML.T0050"  # Command and Scripting Interpreter


@dataclass(frozen=True, slots=True)
class Rule:
    """Metadata of one detection rule."""

    rule_id: str
    marker: str  # short stable name reported by ``find_injection_markers``
    message: str
    severity: str  # critical | high | medium | low | info
    weight: float  # evidence of one typical hit; the verdict threshold is 1.0
    cap: float  # most this rule can add to one tool's score
    atlas: tuple[str, ...]
    owasp: tuple[str, ...]
    injection: bool = False  # a prompt-injection marker in arbitrary text too


_HIDE = (T_OBFUSCATION, T_INDIRECT_PI, T_TOOL_POISONING)
_POISON = (T_INDIRECT_PI, T_TOOL_POISONING)

RULES: dict[str, Rule] = {
    r.rule_id: r
    for r in (
        # Hidden text (from normalisation): a human cannot see it, the model can.
        Rule("TV-COVERT-001", "hidden_unicode_tags", "Invisible Unicode tag characters carry hidden text",
             "critical", 1.2, 1.5, _HIDE, (LLM01, LLM03), True),
        Rule("TV-COVERT-002", "invisible_characters", "Zero-width, bidi or format characters hide or reorder text",
             "high", 0.5, 1.0, _HIDE, (LLM01, LLM03), True),
        Rule("TV-COVERT-003", "ansi_escape", "ANSI terminal escape sequences can hide or rewrite displayed text",
             "high", 0.8, 1.0, _HIDE, (LLM01, LLM03), True),
        Rule("TV-COVERT-004", "encoded_instructions", "Instructions hidden inside an encoded blob",
             "critical", 0.6, 1.0, _HIDE, (LLM01, LLM03), True),
        Rule("TV-COVERT-005", "homoglyphs", "Look-alike letters from other scripts disguise words",
             "medium", 0.4, 0.6, _HIDE, (LLM01, LLM03), True),
        Rule("TV-COVERT-006", "whitespace_padding", "Long whitespace run pushes text out of view",
             "medium", 0.5, 0.6, _HIDE, (LLM01, LLM03), True),
        # Directive text addressed to the model.
        Rule("TV-COVERT-010", "pseudo_tag", "Pseudo-tag frames text as privileged instructions",
             "high", 1.0, 1.2, _POISON, (LLM01, LLM03), True),
        Rule("TV-COVERT-011", "chat_delimiter", "Fake chat-template delimiter injects a new conversation turn",
             "critical", 1.0, 1.2, (T_INDIRECT_PI, T_JAILBREAK), (LLM01,), True),
        Rule("TV-COVERT-012", "model_directive", "Imperative addressed to the model",
             "low", 0.15, 0.45, _POISON, (LLM01, LLM03), False),
        Rule("TV-COVERT-013", "concealment", "Tells the model to hide its actions from the user",
             "high", 0.7, 1.0, (T_INDIRECT_PI, T_TRUSTED_OUTPUT, T_TOOL_POISONING), (LLM01, LLM03), True),
        Rule("TV-COVERT-014", "urgency_threat", "Urgency or threat pressures the model",
             "low", 0.25, 0.5, _POISON, (LLM01,), False),
        Rule("TV-COVERT-015", "consent_claim", "Claims the user already approved, or tells the model not to ask",
             "high", 0.7, 1.0, (T_INDIRECT_PI, T_TOOL_INVOCATION), (LLM01, LLM06), True),
        Rule("TV-COVERT-016", "tool_order", "Manipulates which tools the model calls, or in what order",
             "high", 0.6, 1.2, (T_TOOL_INVOCATION, T_TOOL_POISONING), (LLM01, LLM06), True),
        Rule("TV-COVERT-017", "instruction_override", "Tries to override earlier instructions or safety rules",
             "critical", 1.0, 1.2, (T_INDIRECT_PI, T_JAILBREAK), (LLM01,), True),
        Rule("TV-COVERT-018", "global_directive", "Directive that governs the model beyond this tool (every answer, any ticket)",
             "medium", 0.6, 1.2, _POISON, (LLM01, LLM06), False),
        Rule("TV-COVERT-019", "out_of_scope_directive", "Tells the model to reach for data outside the tool's own function",
             "high", 0.5, 1.0, (T_INDIRECT_PI, T_DATA_LEAKAGE, T_TOOL_POISONING), (LLM01, LLM02), False),
        # Targets and sinks.
        Rule("TV-COVERT-020", "credential_target", "Directs the model at credentials or agent configuration files",
             "high", 0.9, 1.2, (T_UNSECURED_CREDS, T_AGENT_CONFIG_CREDS, T_TOOL_CREDS, T_INDIRECT_PI),
             (LLM01, LLM02), False),
        Rule("TV-COVERT-021", "exfiltration_sink", "Sends data to an external destination",
             "high", 0.7, 1.0, (T_EXFIL_TOOL, T_DATA_LEAKAGE, T_INDIRECT_PI), (LLM01, LLM02), True),
        Rule("TV-COVERT-022", "context_exfiltration", "Asks for conversation, system prompt or private data",
             "high", 0.7, 1.2, (T_DATA_LEAKAGE, T_SYSTEM_PROMPT, T_EXFIL_TOOL), (LLM01, LLM02, LLM07), True),
        Rule("TV-COVERT-023", "covert_encoding", "Asks the model to smuggle data in an encoding",
             "high", 0.6, 0.8, (T_EXFIL_TOOL, T_OBFUSCATION), (LLM01, LLM02), True),
        Rule("TV-COVERT-024", "memory_poisoning", "Plants false facts or rules in the agent's memory",
             "high", 0.6, 1.0, (T_MEMORY_POISONING, T_INDIRECT_PI), (LLM01, LLM04), True),
        Rule("TV-COVERT-025", "deceptive_output", "Tells the model to mislead the user about results",
             "high", 0.7, 1.0, (T_TRUSTED_OUTPUT, T_INDIRECT_PI), (LLM01, LLM09), True),
        Rule("TV-COVERT-026", "context_placeholder", "Template placeholder for the conversation, system prompt or secrets",
             "high", 0.45, 1.0, (T_DATA_LEAKAGE, T_SYSTEM_PROMPT, T_EXFIL_TOOL), (LLM01, LLM02, LLM07), False),
        Rule("TV-COVERT-027", "remote_code", "Tells the model to run downloaded code or rewrite every command",
             "critical", 0.6, 1.2, (T_SCRIPTING, T_INDIRECT_PI, T_TOOL_POISONING), (LLM01, LLM06), True),
        Rule("TV-COVERT-028", "security_downgrade",
             "Turns a security check off, by a setting the model is told to pass or by a default",
             "high", 0.6, 1.2, (T_TOOL_POISONING, T_INDIRECT_PI), (LLM01, LLM06), False),
        # Schema-level evidence.
        Rule("TV-COVERT-030", "schema_injection", "Instruction text placed in a schema field meant for structure",
             "high", 0.6, 1.2, (T_TOOL_POISONING, T_INDIRECT_PI), (LLM01, LLM03), False),
        Rule("TV-COVERT-031", "side_channel_parameter", "Parameter looks like a channel for exfiltrated data",
             "medium", 0.35, 1.0, (T_EXFIL_TOOL, T_TOOL_POISONING), (LLM02, LLM03), False),
        # Cross-tool and cross-server shadowing.
        Rule("TV-COVERT-040", "tool_shadowing", "Instructions about another tool's behaviour (shadowing)",
             "high", 0.8, 1.2, (T_TOOL_POISONING, T_TOOL_INVOCATION, T_INDIRECT_PI), (LLM01, LLM03, LLM06), True),
        # Learned model (``_covert_model``): reported only when the rules alone stay below the
        # threshold, so its weight and cap are set per definition from the probability.
        Rule("TV-COVERT-090", "learned_model", "Learned model: text reads as instructions to the model",
             "medium", 1.0, 2.0, _POISON, (LLM01, LLM03), False),
    )
}  # fmt: skip


def rule(rule_id: str) -> Rule:
    """Return the rule with ``rule_id`` (KeyError for an unknown id)."""
    return RULES[rule_id]


@dataclass(frozen=True, slots=True)
class TextPattern:
    """One regex producing evidence for a rule, gated by cheap substrings."""

    rule_id: str
    needles: tuple[str, ...]
    regex: re.Pattern[str]
    weight: float
    note: str


def _p(
    rule_id: str, needles: tuple[str, ...], pattern: str, weight: float, note: str
) -> TextPattern:
    # compile_fast: same matches, fewer engine steps per position (see _covert_regex).
    return TextPattern(rule_id, needles, compile_fast(pattern), weight, note)


_USER = r"(?:the |this |your |any )?(?:user|human|person|operator|customer|requester)s?"
# What may follow "use this tool instead" without naming another tool: raw
# CLI commands (round 11) and the model's own guesswork ("instead of guessing
# today's date", session 7). Shared with the intent rules' replacement check.
NOT_ANOTHER_TOOL = (
    r"\s+of\s+(?:(?:running|using|calling)\s+)?[`'\"]?(?:kubectl|aws|gcloud|az|git|gh|docker|helm|"
    r"terraform|npm|npx|pip|curl|wget|psql|mysql|sqlite3)\b|"
    r"\s+of\s+(?:guess(?:ing)?|assum(?:e|ing)|estimat(?:e|ing)|inventing|making (?:it|one|things|them) up|"
    r"hallucinating|answering from memory|relying on (?:your )?(?:memory|training|own knowledge|prior knowledge))\b"
)
_AI = r"(?:the |an? )?(?:assistant|ai|model|llm|agent|claude|gpt|chatgpt|copilot|gemini|bot)"

# Session 15: "include" after the name of a list ("classes include tool
# poisoning (hidden instructions …)") lists kinds; it asks for nothing.
_LISTED_INCLUDE = (
    r"(?<!classes )(?<!examples )(?<!categories )(?<!types )(?<!attacks )(?<!techniques )(?<!topics )"
    r"(?<!families )(?<!threats )(?<!vectors )(?<!risks )(?<!scenarios )(?<!kinds )include"
)

TEXT_PATTERNS: tuple[TextPattern, ...] = (
    # --- TV-COVERT-011 fake chat delimiters
    _p("TV-COVERT-011", ("<|",), r"<\|\s*(?:im_start|im_end|system|user|assistant|endoftext|eot_id|"
       r"start_header_id|end_header_id|begin_of_text)\s*\|>", 1.0, "chat-template token"),
    _p("TV-COVERT-011", ("human:", "assistant:"), r"\n\s*\n\s*(?:human|assistant)\s*:", 1.0,
       "Human:/Assistant: turn marker"),
    # Session 15: a user turn and the assistant's answer forged one after the
    # other ("User: Yes, I consent … / Assistant: Understood, …").
    _p("TV-COVERT-011", ("user:", "human:", "customer:"),
       # The first turn of a block only (after a blank line or the start); an
       # exchange under an "Example" heading shows how the tool is used.
       r"(?:^|\n[ \t]*\n)\s*(?:user|human|customer)\s*:[^\n]{3,}\n\s*(?:assistant|ai|agent|model|claude)\s*:", 0.8,
       "forged user and assistant turns"),
    _p("TV-COVERT-011", ("###",), r"(?:^|\n)\s*###\s*(?:system|instruction|instructions|response)\s*:?",
       0.8, "instruction-tuning header"),
    _p("TV-COVERT-011", ("_of_turn>",), r"<(?:start|end)_of_turn>", 1.0, "chat-template token"),
    # Session 10: a chat turn forged in another language ("### Kullanıcı:" … "### Asistan:").
    _p("TV-COVERT-011", ("##",),
       r"(?:^|\n)\s*#{2,3}\s*(?:kullan[ıi]c[ıi]|asistan|usuario|asistente|utilisateur|benutzer|assistent|utente|"
       r"assistente|gebruiker|пользователь|ассистент|用户|助手|ユーザー|アシスタント|사용자|어시스턴트)\s*:", 1.0,
       "fake chat turn header"),
    # Session 10: a forged result of another tool ("[tool_result name=security_policy]{…}[/tool_result]").
    _p("TV-COVERT-011", ("tool_result", "tool_output", "function_result", "tool_response"),
       r"[\[<]\s*/?\s*(?:tool|function)_(?:result|output|response)\b[^\]>\n]{0,40}[\]>][^\n]{0,400}?"
       r"[\[<]\s*/\s*(?:tool|function)_(?:result|output|response)\s*[\]>]", 1.0, "forged tool result"),
    _p("TV-COVERT-011", ("[inst]", "[/inst]", "<<sys>>"), r"\[/?inst\]|<</?sys>>", 1.0,
       "Llama chat delimiter"),
    # --- TV-COVERT-017 instruction override / jailbreak
    _p("TV-COVERT-017", ("ignore", "disregard", "forget", "override", "overrule"),
       r"\b(?:ignore|disregard|forget|override|overrule|bypass)\b[^.\n]{0,30}?\b(?:all |any |the |your |of )*"
       r"(?:previous|prior|above|earlier|preceding|former|original|existing|system|safety|other|old)\b[^.\n]{0,20}?"
       r"\b(?:instructions?|prompts?|rules|directions|guidelines|directives|messages|guardrails|policies|constraints)",
       1.0, "override of earlier instructions"),
    _p("TV-COVERT-017", ("you are now", "from now on", "developer mode", "jailbreak", "dan mode",
                         "new instructions", "no longer bound", "unrestricted"),
       r"\byou are now (?:a|an|in|the|dan|free|unrestricted)\b|\bfrom now on,? (?:you|the assistant|always)\b|"
       r"\b(?:developer|dan|god|jailbreak|unrestricted) mode\b|\bnew (?:system )?instructions\s*:|"
       r"\bno longer bound by\b|\bact as an? (?:unrestricted|unfiltered|jailbroken)\b",
       1.0, "role or mode switch"),
    _p("TV-COVERT-017", ("ignorier", "ignore", "ignora", "vorherige", "précédentes", "anteriores"),
       r"\bignorier(?:e|en)?\b[^.\n]{0,30}\b(?:vorherigen?|bisherigen?|obigen?)\s+(?:anweisungen|instruktionen|regeln)|"
       r"\bignor(?:e|ez)\b[^.\n]{0,20}\b(?:les\s+)?(?:instructions|consignes)\s+(?:précédentes|antérieures)|"
       r"\bignora\b[^.\n]{0,20}\b(?:las\s+)?instrucciones\s+(?:anteriores|previas)",
       1.0, "override of earlier instructions (non-English)"),
    _p("TV-COVERT-017", ("bypass",), r"\bbypass\b[^.\n]{0,30}\b(?:safety|security|guardrails?|filters?|restrictions?|"
       r"content polic(?:y|ies)|approval|confirmation)", 0.8, "bypass of safeguards"),
    # --- TV-COVERT-013 concealment from the user
    _p("TV-COVERT-013", ("user", "human", "operator", "customer"),
       r"\b(?:do not|don't|dont|never|must not|should not|shouldn't|avoid|without)\s+"
       r"(?:ever\s+)?(?:tell|telling|mention|mentioning|inform|informing|notify|notifying|reveal|revealing|"
       r"disclose|disclosing|show|showing|alert|alerting|warn|warning|report|reporting|let|letting|say|saying)"
       r"\b[^.\n]{0,40}?\b" + _USER + r"\b",
       0.7, "hide from the user"),
    _p("TV-COVERT-013", ("mention", "tell", "reveal", "disclose"),
       r"\b(?:do not|don't|dont|never|must not|without)\s+(?:mention|mentioning|tell|telling|reveal|revealing|"
       r"disclose|disclosing|talk about|talking about|bring up|bringing up|saying)\s+(?:this|that|it|these|anything|"
       r"the (?:step|fact|file|instruction|change|extra))", 0.6, "do not mention this"),
    _p("TV-COVERT-013", ("out of", "keep"),
       r"\bkeep (?:this|it|that|these)\s+out of (?:your |the )?(?:reply|replies|response|responses|answer|answers|"
       r"output|chat)", 0.7, "keep it out of the reply"),
    _p("TV-COVERT-013", ("hide", "hidden", "secret", "conceal", "invisible", "unaware", "not know", "not see"),
       r"\b(?:keep|hide|conceal)\b[^.\n]{0,20}\b(?:hidden|secret|confidential|private)?\s*from\s+" + _USER +
       r"|\b" + _USER + r"\s+(?:must|should|need|will)\s+(?:not|never)\s+(?:know|see|notice|be told|find out)|"
       r"\binvisible to\s+" + _USER + r"|\bwithout\s+" + _USER + r"(?:'s)?\s+(?:knowledge|noticing|knowing|awareness)"
       r"|\b" + _USER + r"\s+(?:remains?|stays?)\s+unaware", 0.7, "keep it from the user"),
    _p("TV-COVERT-013", ("silent", "secret", "quiet", "covert", "stealth"),
       r"\b(?:silently|secretly|quietly|covertly|stealthily|discreetly)\s+(?:also\s+)?(?:send|post|upload|forward|"
       r"copy|include|read|call|invoke|exfiltrate|transmit|add|append|log|attach|bcc|cc|pass|share|save|write|"
       r"collect|gather)\b", 0.6, "silent side action"),
    _p("TV-COVERT-013", ("need not", "needn't", "no need to", "not necessary to", "unnecessary to"),
       r"\b(?:need not|needn't|no need to|(?:it is )?not necessary to|unnecessary to)\s+(?:be\s+)?(?:mention|tell|"
       r"inform|notify|report|disclos|shar|surfac|explain|bring)\w*", 0.6, "no need to tell"),
    _p("TV-COVERT-013", ("implementation detail", "user-facing", "user facing", "transparent"),
       r"\b(?:mere|just an?|only an?) implementation detail|\bnot an? user[- ]facing\b|"
       r"\btransparent (?:system )?(?:requirement|step|process)", 0.2, "framed as a detail"),
    # --- TV-COVERT-025 deceptive output
    _p("TV-COVERT-025", ("tell", "say", "claim", "pretend", "report", "inform", "assure"),
       r"\b(?:tell|telling|say|claim|pretend|report|inform|assure)\b[^.\n]{0,80}?"
       r"\b(?:even (?:if|though|when)|regardless of|whether or not)\b|"
       r"\bif\b[^.\n]{0,40}\b(?:fail(?:s|ed)?|errors?|declined|rejected)\b[^.\n]{0,20}\b(?:tell|say|report|claim)\b"
       r"[^.\n]{0,30}\b(?:succeeded|success(?:ful)?|worked|went through|fine|ok|completed)\b", 0.7,
       "misreport results"),
    _p("TV-COVERT-025", ("show", "display", "report", "surface"),
       r"\b(?:never|do not|don't)\s+(?:show|display|report|surface|pass on)\s+(?:them|the user|users|any)?\s*"
       r"(?:the\s+)?(?:errors?|failures?|warnings?)", 0.6, "hide errors from the user"),
    _p("TV-COVERT-025", ("begin", "start", "end", "prefix", "preface"),
       r"\b(?:begin|start|end|prefix|preface)\s+(?:every|each|all|your)\s+(?:answer|reply|response|message)s?\s+"
       r"with\b", 0.4, "dictates the wording of every answer"),
    # --- TV-COVERT-024 memory poisoning
    _p("TV-COVERT-024", ("memory", "remember"),
       r"\b(?:store|save|remember|write|add|record|persist|note)\b[^.\n]{0,30}?\b(?:in|to|into)\s+(?:your\s+|the\s+|"
       r"its\s+)?(?:long[- ]term\s+|persistent\s+|permanent\s+)?memory\b|\bremember (?:permanently|forever|"
       r"from now on)\b", 0.6, "writes to the agent's memory"),
    # --- TV-COVERT-015 consent claims
    _p("TV-COVERT-015", ("approv", "consent", "authori", "agreed", "permission", "confirm", "without "),
       r"\b" + _USER + r"\s+(?:has|have|had)\s+(?:already\s+)?(?:pre-?)?(?:approved|authori[sz]ed|consented|"
       r"agreed|confirmed|granted|allowed|accepted)|\b(?:already|pre-?)(?:approved|authori[sz]ed|consented)\b|"
       r"\bconsent (?:is|has been|was) (?:already )?(?:given|granted|implied|obtained|assumed)|"
       r"\b(?:no need|not necessary|unnecessary) to (?:ask|confirm|check with|get|request|seek)\b[^.\n]{0,30}?"
       r"(?:permission|confirmation|approval|consent|them\b|me\b|" + _USER + r")|"
       # Session 7: "the user approved production deploys when they installed this server".
       r"\b" + _USER + r"\s+(?:already\s+)?(?:approved|authori[sz]ed|consented to|agreed to|allowed|"
       r"granted\s+(?:\w+\s+)?(?:approval|consent|permission))\b[^.;\n]{0,60}?"
       r"\b(?:when|at|during|on)\s+(?:they\s+|this\s+(?:server|tool|app)\s+was\s+)?(?:install\w*|set(?:ting)? up|setup|"
       r"sign(?:ed|ing)? ?up|onboarding)\b|"
       r"\b(?:do not|don't|never|without)\s+(?:ask|asking|request|requesting|seek|seeking|wait|waiting)\s+"
       r"(?:the user\s+)?(?:for\s+)?(?:the\s+|their\s+)?(?:users?'?s?\s+)?(?:explicit\s+)?"
       r"(?:confirmation|permission|approval|consent)|"
       r"\bskip (?:the |any )?(?:user )?(?:confirmation|approval|consent)|"
       # Session 15: the verb, not the noun ("do not ask the user to confirm before calling this tool").
       r"\b(?:do not|don't|never)\s+(?:ask|prompt|require)\s+(?:the\s+)?(?:users?|them|customers?)\s+to\s+"
       r"(?:confirm|approve|authori[sz]e|double-check|agree)\b|"
       r"\bwithout (?:asking|checking|confirming)(?:\s+(?:first|again|them|the user))?\s*(?:[.,;!)]|$)|"
       # Session 7: "run it without asking whenever the tree looks messy".
       r"\bwithout (?:asking|checking|confirming)\s+(?:whenever|every time|each time)\b", 0.7, "consent claimed or skipped"),
    # --- TV-COVERT-016 tool-order manipulation
    _p("TV-COVERT-016", ("this tool", "other tool", "any tool", "first"),
       r"\b(?:always\s+)?(?:call|use|run|invoke|execute|trigger)\s+this\s+(?:tool|function)\s+(?:first|before|"
       r"prior to|instead(?!" + NOT_ANOTHER_TOOL + r")|rather)|\bbefore\s+(?:using|calling|invoking|running)\s+(?:any|all|every)\s+(?:other\s+)?"
       r"tools?(?!\s+(?:from|of|on|in)\s+(?:this|the same)\s+(?:server|integration|package))|\b(?:must|should|needs? to)\s+(?:always\s+)?be\s+(?:called|used|invoked|run)\s+(?:first|before\s+"
       r"(?:any|all|every))|\b(?:always|only)\s+use\s+this\s+(?:tool|function)\b|"
       # Round 11: over a generic web search, for its own domain, is honest.
       r"\bprefer this tool over\b(?!\s+(?:a\s+|the\s+)?(?:general\s+|generic\s+)?(?:web search|searching the web|the web|"
       r"browsing|search engines?|googling))",
       0.6, "tool order or preference"),
    # Round 11: split from the entry above. Other tools shut out ("never call
    # those", "this tool supersedes read_file") is more than self-promotion
    # and still backs the learned model's verdict (see covert._bare_imperative).
    _p("TV-COVERT-016", ("other tool", "another tool", "different tool", "_", "supersedes", "replaces", "overrides",
                         "instead of"),
       r"\binstead of\s+(?:any|all|the)\s+"
       r"other\s+tools?|"
       # Session 6: "always use it instead of other send_email tools".
       r"\binstead of\s+(?:any\s+|all\s+|the\s+)?other\s+[a-z][\w-]*\s+tools\b|\b(?:do not|don't|never)\s+(?:use|call|invoke)\s+(?:any\s+)?(?:other|another|different)\s+"
       # Session 6: "… just because the page asks you to" guards against
       # injected content; it shuts nothing out.
       r"tools?(?![^.\n]{0,60}?\bbecause\b[^.\n]{0,30}?\b(?:pages?|content|documents?|texts?|sites?|results?|"
       r"messages?|e-?mails?)\b)|\b(?:do not|don't|never)\s+(?:use|call|invoke)\s+(?:the\s+)?[a-z][a-z0-9]*_[a-z0-9_]+"
       # Round 6: "do not use create_x after this: its output already includes
       # x" saves a redundant call; the reason is the result the user has.
       r"(?![^.\n]{0,40}?\b(?:already (?:includes?|contains?|returns?|has)|(?:is|are) (?:already )?(?:included|"
       r"returned|contained) in)\b)|\bthis tool (?:replaces|supersedes|overrides)\b",
       0.6, "other tools shut out"),
    _p("TV-COVERT-016", ("any ", "every ", "all ", "each "),
       r"\b(?:for|on|with|before|after)\s+(?:any|every|all|each)\s+(?:user\s+)?(?:requests?|query|queries|"
       r"questions?|tasks?|messages?|prompts?|turns?|responses?|repl(?:y|ies)|answers?)\b[^.\n]{0,60}?"
       r"\b(?:call|use|invoke|run)\b|"
       r"\b(?:call|use|invoke|run)\s+(?:this|it)\b[^.\n]{0,40}\b(?:every|each) time\b|"
       r"\b(?:call|use|invoke|run)\s+(?:it|this(?:\s+tool)?)\s+(?:for|on|before|with)\s+(?:any|every|all|each)\s+"
       r"(?:user\s+)?(?:requests?|query|queries|questions?|tasks?|messages?|prompts?|turns?)\b", 0.6,
       "always-call trigger"),
    _p("TV-COVERT-016", ("before ", "prior to"),
       r"\b(?:before|prior to)\s+(?:using|calling|invoking|running|proceeding|returning|responding|answering)"
       r"(?:\s+(?:this|the)\s+(?:tool|function|results?))?\s*[,:]?\s*(?:you\s+(?:must|should|need to)\s+|"
       r"please\s+|first\s+|always\s+)?(?:read|call|pass|include|send|fetch|get|open|run|post|upload|collect|"
       r"gather|invoke|execute|access|load|list|retrieve|obtain|copy|check|look)\b|"
       r"(?:^|[.:;!]\s*)first,?\s+(?:read|fetch|open|collect|gather|load|copy|access)\b", 0.35,
       "prerequisite action demanded"),
    # --- TV-COVERT-012 generic model-addressed imperatives (weak)
    _p("TV-COVERT-012", ("you must", "you need to", "you have to", "you are required", "you shall", "you will need"),
       # Round 6 (issue #4): "use this tool when you need to: …" is a condition,
       # and "you must then pass `dimension`" / "you must include this variable"
       # a requirement on this tool's own arguments; real servers write both on
       # almost every tool, and this weak hit alone opened the model's gate.
       r"(?<!\bwhen )(?<!\bif )(?<!\bwhenever )\byou (?:must|need to|have to|are required to|shall|will need to)\b"
       r"(?!\s+(?:then\s+|also\s+)?(?:pass|provide|specify|supply|set|include|resolve)\s+(?:`|it\b|this\s+"
       r"(?:variable|parameter|field|argument|value|option)\b|(?:either|both|one of)\b|(?:the|a|an)\s+(?:\w+\s+)?"
       r"(?:parameter|field|argument|id|path|value|option)s?\b))", 0.15, "you must"),
    _p("TV-COVERT-012", ("must", "should", "shall", "needs to", "required"),
       r"\b" + _AI + r"\s+(?:must|should|shall|needs to|is required to|has to)\b", 0.15,
       "the assistant must"),
    _p("TV-COVERT-012", ("make sure", "ensure", "mandatory", "essential", "required"),
       r"\bmake sure (?:to|you|that you)\b|\bit is (?:mandatory|essential|required|imperative|crucial) (?:that|to)\b",
       0.15, "make sure to"),
    _p("TV-COVERT-012", ("always", "never"),
       r"\b(?:always|never)\s+(?:call|use|include|pass|send|read|mention|tell|ask|attach|add|forward|invoke)\b",
       0.15, "always/never do"),
    _p("TV-COVERT-012", ("assistant:", "ai:", "agent:", "llm:", "model:", "claude:", "system:"),
       # Session 9: also after a comment marker ("-- assistant: first run …" in an SQL example).
       r"(?:^|\n|<!--|[.!]\s)\s*(?:(?:--|#|//|/\*)\s*)?(?:assistant|ai|agent|llm|model|claude|system)\s*:\s*[a-z]", 0.3,
       "line addressed to the model"),
    _p("TV-COVERT-012", ("note to", "note for", "message to", "message for", "instructions for", "attention"),
       r"\b(?:note|message|instructions?|attention)\s+(?:to|for)\s+(?:the\s+)?(?:assistant|ai|agent|model|llm|"
       # Round 6 (issue #4): "custom instruction for the AI analysis" is the
       # input of the tool's own AI feature, not a note to the reading model.
       r"claude|gpt|copilot|bot)\b(?!\s+(?:analys[ie]s|summar\w*|generat\w*|features?|search|review|completion|"
       r"processing|extraction|step|run|pipeline)\b)", 0.3, "note addressed to the model"),
    _p("TV-COVERT-012", ("this tool is", "tool is available", "tool is present", "tool is loaded"),
       r"\bwhen(?:ever)? this tool is (?:available|present|loaded|installed|enabled|connected)", 0.3,
       "conditioned on tool presence"),
    # --- TV-COVERT-014 urgency and threats (weak)
    _p("TV-COVERT-014", ("otherwise", "crash", "data will be lost", "data loss", "very very", "at all costs",
                         "will be blocked", "penali", "fired", "terminated", "shut down", "extremely important",
                         "critically important", "or else"),
       r"\botherwise\b[^.\n]{0,40}?\b(?:not work|fail|crash|break|be blocked|error)|"
       r"\b(?:rejected|blocked|refused|denied|fails?)\s+otherwise\b|"
       r"\b(?:system|application|app|server|tool|workflow|service|agent|everything)\s+will\s+crash|"
       r"\b(?:all\s+)?(?:user\s+)?data\s+will\s+be\s+lost|\bdata loss\b|\bvery\s+very\b|\bat all costs\b|"
       r"\b(?:request|message|call)s?\s+will\s+be\s+blocked|\byou\s+will\s+be\s+(?:penali[sz]ed|punished|fired|"
       r"terminated|shut down|replaced|deleted)|\b(?:extremely|critically|vitally)\s+important\b|\bor else\b",
       0.25, "urgency or threat"),
    # --- TV-COVERT-021 exfiltration sinks
    _p("TV-COVERT-021", ("http",),
       r"https?://[^\s)\"'<>]*(?:\{\{?|<|\$\{?|%7b)\s*(?:data|secrets?|contents?|payload|tokens?|keys?|"
       r"api_?keys?|passwords?|credentials?|conversation|history|chat|messages?|context|env|file(?:_contents?)?|"
       r"ssh|memory|prompt|system_prompt|user_data|pii|email|info|output|response|summary|stolen|exfil)",
       0.8, "URL placeholder for data"),
    _p("TV-COVERT-021", ("http",),
       r"\b(?:fetch|open|visit|call|request|load|render|get|ping|curl|post to|send to|navigate to|go to)\s+"
       r"(?:the\s+url\s+)?https?://[^\s)\"'<>]*(?:\{|<|\$\{?|%7b)", 1.0, "told to call a URL carrying data"),
    _p("TV-COVERT-021", ("![",), r"!\[[^\]\n]{0,80}\]\(\s*https?://[^)\s]*\?[^)\s]*=", 0.8,
       "markdown image with query parameters"),
    _p("TV-COVERT-021", ("![",),
       r"!\[[^\]\n]{0,80}\]\(\s*https?://[^)\s]*\?[^)\s]*=\s*(?:\{|<|\$|%7b|[a-z0-9]*_[a-z0-9_]*\b|"
       # Session 6: "![](https://img.x.vn/t.gif?d=DATA) where DATA is the transcript".
       r"(?:data|payload|content|summary|transcript|history|text)\))", 1.0,
       "markdown image whose query carries conversation data"),
    _p("TV-COVERT-021", ("webhook.site", "requestbin", "pipedream", "ngrok", "interact.sh", "interactsh",
                         "oast.", "burpcollaborator", "requestcatcher", "beeceptor", "hookbin", "canarytokens",
                         "evil.", "attacker", "pwnd", "exfil"),
       r"\b(?:webhook\.site|requestbin\.\w+|[\w-]+\.m\.pipedream\.net|pipedream\.net|[\w-]+\.ngrok(?:-free)?\."
       r"(?:io|app|dev)|interact\.sh|[\w.-]*interactsh[\w.-]*|[\w-]+\.oast\.(?:fun|live|site|online|pro|me)|"
       r"[\w.-]*burpcollaborator\.net|requestcatcher\.com|[\w-]+\.free\.beeceptor\.com|hookbin\.com|"
       r"canarytokens\.com|[\w.-]*(?:evil|attacker|attkr|pwnd|exfil)[\w-]*\.(?:com|net|org|io|xyz|site|ru))\b",
       0.6, "known request-catcher or attacker host"),
    _p("TV-COVERT-021", ("send", "forward", "post", "upload", "transmit", "copy", "bcc", "relay", "mirror",
                         "leak", "report", "redirect", "recipient"),
       r"\b(?:send|forward|post|upload|transmit|copy|bcc|cc|relay|mirror|leak|exfiltrate|report|redirect|"
       r"route|deliver|share)\b[^.\n]{0,80}?\b(?:to|at|into)\s+(?:[\w.+-]+@[\w-]+\.[\w.]+|https?://|"
       r"\+?\d[\d ()-]{7,}\d|the (?:following|attacker|external|remote) (?:server|endpoint|url|address|number)|"
       r"our (?:server|endpoint|collector))", 0.7, "send data to a concrete destination"),
    _p("TV-COVERT-021", ("copy of", "recipient", "all ", "every ", "each ", "cc", "reply", "set ", "change ",
                         "replace", "payee", "destination", "beneficiary"),
       r"\b(?:a |an )?(?:identical |hidden |silent |blind )?copy of (?:all|every|each|the)\b[^.\n]{0,40}?"
       r"\b(?:messages?|emails?|payloads?|data|requests?|files?|results?|conversations?)|"
       r"\b(?:change|set|replace|redirect|override|switch)\s+(?:the\s+)?recipients?\b[^.\n]{0,30}?\bto\b|"
       r"\b(?:change|set|replace|override|switch)\s+(?:the\s+)?(?:reply-?to|cc|bcc|from|sender|destination|"
       r"account|iban|wallet|payee)(?:\s+(?:field|address|account))?\s+(?:to|with|by|for)\s+"
       r"(?:[\w.+-]+@[\w-]+\.[a-z]{2,}|https?://|(?:iban\s+)?[a-z]{2}\d{2}[a-z0-9]{10,}|0x[0-9a-f]{8,})|"
       r"\b(?:payee|recipient|destination|beneficiary)\b[^.\n]{0,50}?\b(?:is|=|:)\s+(?:iban\s+)?"
       r"(?:[a-z]{2}\d{2}[a-z0-9]{11,30}|0x[0-9a-f]{40})\b|"
       r"\b(?:send|forward|route|bcc|cc|copy|redirect)\s+(?:all|every|each)\s+(?:emails?|messages?|mail|"
       r"payments?|transfers?|files?)\b[^.\n]{0,60}?\bto\b|"
       r"[\w.+-]+@[\w-]+\.[\w.]+[^.\n]{0,20}\b(?:in|as|to)\s+(?:the\s+)?b?cc\b|"
       r"\bb?cc\b[^.\n]{0,40}?[\w.+-]+@[\w-]+\.[a-z]{2,}",
       0.6, "copy or redirect of messages"),
    _p("TV-COVERT-021", ("send it to the server", "send them to the server", "send the contents", "to the server",
                         "send it", "send them"),
       r"\b(?:send|post|upload|forward|transmit)\s+(?:it|them|this|these|that|the (?:contents?|data|file|"
       r"results?|output))\s+(?:back\s+)?to\s+(?:the|our|my|this)\s+(?:server|endpoint|backend|api|url|"
       r"collector|webhook)", 0.5, "send contents to the server"),
    # --- TV-COVERT-022 conversation / system prompt / private data requested
    _p("TV-COVERT-022", ("conversation", "chat history", "system prompt", "messages", "context", "private",
                         "sensitive", "personal", "confidential", "instructions"),
       r"\b(?:" + _LISTED_INCLUDE + r"|pass|send|attach|append|add|provide|put|insert|dump|forward|share|copy|paste|output|"
       r"repeat|print|reveal|leak|supply)\b[^.\n]{0,60}?\b(?:(?:the |your |all |full |complete |entire |whole )+)?"
       r"(?:conversation(?: history| context| so far)?|chat (?:history|log|transcript)|system (?:prompt|message|"
       r"instructions)|(?:initial|original|hidden) instructions|(?:previous|prior|past|earlier|last|recent) "
       r"(?:messages?|conversations?|chats?|prompts?)|all (?:user |other )?messages|message history|context window|"
       r"list of (?:last|previous|recent) messages|(?:private|sensitive|personal|confidential) "
       r"(?:information|data|details|files)|result of (?:the )?previous \w+ calls?)",
       0.7, "conversation or private data requested"),
    _p("TV-COVERT-022", ("system prompt", "system message", "instructions"),
       r"\b(?:" + _LISTED_INCLUDE + r"|pass|send|attach|append|add|provide|put|insert|dump|forward|share|copy|paste|output|"
       r"repeat|print|reveal|leak|supply|tell|show)\b[^.\n]{0,40}?\b(?:system (?:prompt|message)|"
       r"(?:hidden|initial|original|developer|secret) (?:instructions|prompt))", 0.9, "system prompt requested"),
    _p("TV-COVERT-022", ("user's", "users'", "user’s", "their", "his ", "her "),
       r"\b(?:include|pass|send|attach|append|add|put|insert|forward|leak|copy|collect|gather|encode|embed|"
       r"hide|smuggle|followed by|along with|together with)\b[^.\n]{0,20}?\b(?:(?:the\s+)?users?'?s?|their|his|her)\s+(?:e-?mail(?: address)?|"
       r"phone(?: number)?|(?:full |real |legal )?name|home address|(?:exact |current )?location(?: history)?|"
       r"credit card|card number|cvv|ssn|"
       r"social security number|ip (?:address|history)|search history|purchase history|"
       r"date of birth|contacts|address book|session cookies?|cookies|browsing history|saved cards?)\b",
       0.7, "user's personal data requested"),
    _p("TV-COVERT-022", ("contents",),
       r"\b(?:copy|include|pass|put|send|append|add|insert|embed)\s+(?:their|its)\s+(?:full\s+|entire\s+|"
       r"complete\s+)?contents?\s+(?:into|in|to|as)\b", 0.5, "contents of what was read passed on"),
    _p("TV-COVERT-022", ("api key", "password", "secret", "token", "credential"),
       r"\b(?:include|pass|send|attach|append|add|provide|put|insert|dump|forward|share|copy|paste|collect|"
       r"gather|harvest|grab|extract)\b"
       r"[^.\n]{0,40}?\b(?:all |any |every |the |your |user'?s? )*(?:api[ _-]?keys?|passwords?|secrets?|"
       r"access tokens?|credentials|private keys?|session cookies?)\b", 0.4, "secrets requested"),
    # --- TV-COVERT-023 covert encoding of data
    _p("TV-COVERT-023", ("ascii", "base64", "hex", "encode", "rot13", "steganograph", "hide", "embed", "smuggle"),
       r"\bas (?:their |its |the )?(?:ascii|unicode|char(?:acter)?) (?:values?|codes?)\b|"
       r"\b(?:encode|convert|obfuscate)\b[^.\n]{0,40}?\b(?:base64|hex|rot13|binary|ascii)\b[^.\n]{0,40}?"
       r"\b(?:and|then)\s+(?:pass|include|send|append|add|put|embed)|"
       r"\b(?:hide|embed|smuggle|encode|stash)\s+(?:it|them|the (?:data|secret|contents?|key|information))\s+"
       r"(?:in|into|inside|within)\b|\bsteganograph", 0.6, "encode data covertly"),
    # --- TV-COVERT-040 cross-tool influence without a named tool
    _p("TV-COVERT-040", ("tool", "side effect", "behavior", "behaviour"),
       r"\b(?:modif(?:y|ies)|changes?|alters?|overrides?|affects?|hijacks?)\s+(?:the\s+)?behaviou?rs?\s+of\b|"
       r"\b(?:with|using|via|through|from)\s+any\s+(?:other\s+)?(?:[a-z-]+\s+)?tools?\b|\bside[- ]effects?\s+on\b"
       r"[^.\n]{0,40}?\btool|\b(?:all|every|any|other)\s+(?:other\s+)?(?:communication|messaging|email|mail|chat|"
       r"payment|file|search)?\s*tools?\b[^.\n]{0,60}?\b(?:must|should|shall|need to|have to|will)\b",
       0.7, "instructions aimed at other tools"),
)  # fmt: skip
