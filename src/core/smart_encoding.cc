// Smart encoding table and replacement.
//
// Source: Twilio's "List of characters replaced by Smart Encoding"
// (https://www.twilio.com/docs/messaging/services/smart-encoding-char-list), in the
// machine-readable form Twilio publishes in its segment calculator (TwilioDevEd/
// message-segment-calculator, src/libs/SmartEncodingMap.ts, npm sms-segments-calculator 1.3.0,
// MIT licence, Copyright (c) 2021 Twilio Inc). The rows were transcribed mechanically from that
// file and sorted by code point; none were added or dropped. One deliberate difference: the npm
// map turns the Unicode spaces (U+00A0, U+2000..U+200A, U+202F, U+205F, U+3000 and a few C1
// controls) into two ASCII spaces, while the documented table transliterates each to a single
// space; we use one space so a replacement never changes the visible length of a line.
#include "core/smart_encoding.h"

#include <algorithm>
#include <iterator>

#include "core/utf8.h"

namespace sb {
namespace {

struct Replacement {
  char32_t cp;
  const char* gsm;
};

constexpr Replacement kTable[] = {
    {0x0000, ""},         // NULL
    {0x0003, ""},         // END OF TEXT
    {0x0004, ""},         // END OF TRANSMISSION
    {0x0009, "       "},  // TAB (7 spaces based on print statement in Python interpreter)
    {0x0010, ""},         // ESCAPE, DATA LINK (not visible)
    {0x0011, ""},         // DEVICE CONTROL ONE
    {0x0012, ""},         // DEVICE CONTROL TWO
    {0x0013, ""},         // DEVICE CONTROL THREE
    {0x0014, ""},         // DEVICE CONTROL FOUR
    {0x0017, ""},         // END OF TRANSMISSION BLOCK
    {0x0019, ""},         // END OF MEDIUM
    {0x0060, "'"},        // GRAVE ACCENT
    {0x0080, " "},        // C1 CONTROL CODES (two spaces in the npm map; see file comment)
    {0x008D, " "},    // REVERSE LINE FEED (standard LF looks like \n, this looks like a space) (two
                      // spaces in the npm map; see file comment)
    {0x0090, " "},    // DEVICE CONTROL STRING (two spaces in the npm map; see file comment)
    {0x009B, " "},    // CONTROL SEQUENCE INTRODUCER (two spaces in the npm map; see file comment)
    {0x009F, " "},    // <control> (two spaces in the npm map; see file comment)
    {0x00A0, " "},    // NO-BREAK SPACE (two spaces in the npm map; see file comment)
    {0x00AB, "\""},   // LEFT-POINTING DOUBLE ANGLE QUOTATION MARK
    {0x00B4, "'"},    // ACUTE ACCENT
    {0x00BB, "\""},   // RIGHT-POINTING DOUBLE ANGLE QUOTATION MARK
    {0x00BC, "1/4"},  // VULGAR FRACTION ONE QUARTER
    {0x00BD, "1/2"},  // VULGAR FRACTION ONE HALF
    {0x00BE, "3/4"},  // VULGAR FRACTION THREE QUARTERS
    {0x00F7, "/"},    // DIVISION SIGN
    {0x01C3, "!"},    // LATIN LETTER RETROFLEX CLICK
    {0x0262, "G"},    // LATIN LETTER SMALL CAPITAL G
    {0x026A, "I"},    // LATIN LETTER SMALL CAPITAL I
    {0x0274, "N"},    // LATIN LETTER SMALL CAPITAL N
    {0x0280, "R"},    // LATIN LETTER SMALL CAPITAL R
    {0x028F, "Y"},    // LATIN LETTER SMALL CAPITAL Y
    {0x0299, "B"},    // LATIN LETTER SMALL CAPITAL B
    {0x029C, "H"},    // LATIN LETTER SMALL CAPITAL H
    {0x029F, "L"},    // LATIN LETTER SMALL CAPITAL L
    {0x02B9, "'"},    // MODIFIER LETTER PRIME
    {0x02BA, "\""},   // MODIFIER LETTER DOUBLE PRIME
    {0x02BB, "'"},    // MODIFIER LETTER TURNED COMMA
    {0x02BC, "'"},    // MODIFIER LETTER APOSTROPHE
    {0x02BD, "'"},    // MODIFIER LETTER REVERSED COMMA
    {0x02C6, "^"},    // MODIFIER LETTER CIRCUMFLEX ACCENT
    {0x02C8, "'"},    // MODIFIER LETTER VERTICAL LINE
    {0x02CA, "'"},    // MODIFIER LETTER ACUTE ACCENT
    {0x02CB, "'"},    // MODIFIER LETTER GRAVE ACCENT
    {0x02D0, ":"},    // MODIFIER LETTER TRIANGULAR COLON
    {0x02D6, "+"},    // MODIFIER LETTER PLUS SIGN
    {0x02DC, "~"},    // SMALL TILDE
    {0x02EE, "\""},   // MODIFIER LETTER DOUBLE APOSTROPHE
    {0x02F7, "~"},    // MODIFIER LETTER LOW TILDE
    {0x02F8, ":"},    // MODIFIER LETTER RAISED COLON
    {0x0302, "^"},    // COMBINING CIRCUMFLEX ACCENT
    {0x0303, "~"},    // COMBINING TILDE
    {0x0313, "'"},    // COMBINING COMMA ABOVE
    {0x0314, "'"},    // COMBINING REVERSED COMMA ABOVE
    {0x0326, ","},    // COMBINING COMMA BELOW
    {0x0330, "~"},    // COMBINING TILDE BELOW
    {0x0332, "_"},    // COMBINING LOW LINE
    {0x0334, "~"},    // COMBINING TILDE OVERLAY
    {0x0337, "/"},    // COMBINING SHORT SOLIDUS OVERLAY
    {0x0338, "/"},    // COMBINING LONG SOLIDUS OVERLAY
    {0x0347, "="},    // COMBINING EQUALS SIGN BELOW
    {0x1D00, "A"},    // LATIN LETTER SMALL CAPITAL A
    {0x1D04, "C"},    // LATIN LETTER SMALL CAPITAL C
    {0x1D05, "D"},    // LATIN LETTER SMALL CAPITAL D
    {0x1D07, "E"},    // LATIN LETTER SMALL CAPITAL E
    {0x1D0A, "J"},    // LATIN LETTER SMALL CAPITAL J
    {0x1D0B, "K"},    // LATIN LETTER SMALL CAPITAL K
    {0x1D0D, "M"},    // LATIN LETTER SMALL CAPITAL M
    {0x1D0F, "O"},    // LATIN LETTER SMALL CAPITAL O
    {0x1D18, "P"},    // LATIN LETTER SMALL CAPITAL P
    {0x1D1B, "T"},    // LATIN LETTER SMALL CAPITAL T
    {0x1D1C, "U"},    // LATIN LETTER SMALL CAPITAL U
    {0x1D20, "V"},    // LATIN LETTER SMALL CAPITAL V
    {0x1D21, "W"},    // LATIN LETTER SMALL CAPITAL W
    {0x1D22, "Z"},    // LATIN LETTER SMALL CAPITAL Z
    {0x1DCD, "^"},    // COMBINING DOUBLE CIRCUMFLEX ABOVE
    {0x2000, " "},    // EN QUAD (two spaces in the npm map; see file comment)
    {0x2001, " "},    // EM QUAD
    {0x2002, " "},    // EN SPACE (two spaces in the npm map; see file comment)
    {0x2003, " "},    // EM SPACE (two spaces in the npm map; see file comment)
    {0x2004, " "},    // THREE-PER-EM SPACE (two spaces in the npm map; see file comment)
    {0x2005, " "},    // FOUR-PER-EM SPACE (two spaces in the npm map; see file comment)
    {0x2006, " "},    // SIX-PER-EM SPACE (two spaces in the npm map; see file comment)
    {0x2007, " "},    // FIGURE SPACE (two spaces in the npm map; see file comment)
    {0x2008, " "},    // PUNCTUATION SPACE (two spaces in the npm map; see file comment)
    {0x2009, " "},    // THIN SPACE (two spaces in the npm map; see file comment)
    {0x200A, " "},    // HAIR SPACE (two spaces in the npm map; see file comment)
    {0x200B, ""},     // ZERO WIDTH SPACE
    {0x200C, ""},     // ZERO WIDTH NON-JOINER
    {0x2010, "-"},    // HYPHEN
    {0x2013, "-"},    // EN DASH
    {0x2014, "-"},    // EM DASH
    {0x2015, "-"},    // HORIZONTAL BAR
    {0x2017, "_"},    // DOUBLE LOW LINE
    {0x2018, "'"},    // LEFT SINGLE QUOTATION MARK
    {0x2019, "'"},    // RIGHT SINGLE QUOTATION MARK
    {0x201A, ","},    // SINGLE LOW-9 QUOTATION MARK
    {0x201B, "'"},    // SINGLE HIGH-REVERSED-9 QUOTATION MARK
    {0x201C, "\""},   // LEFT DOUBLE QUOTATION MARK
    {0x201D, "\""},   // RIGHT DOUBLE QUOTATION MARK
    {0x201E, "\""},   // DOUBLE LOW-9 QUOTATION MARK
    {0x201F, "\""},   // DOUBLE HIGH-REVERSED-9 QUOTATION MARK
    {0x2022, "-"},    // Bullet
    {0x2026, "..."},  // HORIZONTAL ELLIPSIS
    {0x2028, " "},    // Whitespace: Line Separator
    {0x2029, " "},    // Whitespace: Paragraph Separator
    {0x202F, " "},    // NARROW NO-BREAK SPACE (two spaces in the npm map; see file comment)
    {0x2039, "<"},    // Single left-pointing angle quotation mark
    {0x203A, ">"},    // Single right-pointing angle quotation mark
    {0x203C, "!!"},   // Double exclamation mark
    {0x2043, "-"},    // HYPHEN BULLET
    {0x2044, "/"},    // FRACTION SLASH
    {0x204E, "*"},    // LOW ASTERISK
    {0x204F, ";"},    // REVERSED SEMICOLON
    {0x205F, " "},    // MEDIUM MATHEMATICAL SPACE (two spaces in the npm map; see file comment)
    {0x2060, ""},     // WORD JOINER
    {0x20D2, "|"},    // COMBINING LONG VERTICAL LINE OVERLAY
    {0x20D3, "|"},    // COMBINING SHORT VERTICAL LINE OVERLAY
    {0x20E5, "\\"},   // COMBINING REVERSE SOLIDUS OVERLAY
    {0x2215, "/"},    // DIVISION SLASH
    {0x2217, "*"},    // ASTERISK OPERATOR
    {0x2223, "|"},    // DIVIDES
    {0x223C, "~"},    // TILDE OPERATOR
    {0x229B, "*"},    // CIRCLED ASTERISK OPERATOR
    {0x239C, "|"},    // LEFT PARENTHESIS EXTENSION
    {0x239F, "|"},    // RIGHT PARENTHESIS EXTENSION
    {0x23B8, "|"},    // LEFT VERTICAL BOX LINE
    {0x23B9, "|"},    // RIGHT VERTICAL BOX LINE
    {0x23BC, "-"},    // HORIZONTAL SCAN LINE-7
    {0x23BD, "-"},    // HORIZONTAL SCAN LINE-9
    {0x23D0, "|"},    // VERTICAL LINE EXTENSION
    {0x2722, "*"},    // FOUR TEARDROP-SPOKED ASTERISK
    {0x2723, "*"},    // FOUR BALLOON-SPOKED ASTERISK
    {0x2724, "*"},    // HEAVY FOUR BALLOON-SPOKED ASTERISK
    {0x2725, "*"},    // FOUR CLUB-SPOKED ASTERISK
    {0x2731, "*"},    // HEAVY ASTERISK
    {0x2732, "*"},    // OPEN CENTRE ASTERISK
    {0x2733, "*"},    // EIGHT SPOKED ASTERISK
    {0x273A, "*"},    // SIXTEEN POINTED ASTERISK
    {0x273B, "*"},    // TEARDROP-SPOKED ASTERISK
    {0x273C, "*"},    // OPEN CENTRE TEARDROP-SPOKED ASTERISK
    {0x273D, "*"},    // HEAVY TEARDROP-SPOKED ASTERISK
    {0x2743, "*"},    // HEAVY TEARDROP-SPOKED PINWHEEL ASTERISK
    {0x2749, "*"},    // BALLOON-SPOKED ASTERISK
    {0x274A, "*"},    // EIGHT TEARDROP-SPOKED PROPELLER ASTERISK
    {0x274B, "*"},    // HEAVY EIGHT TEARDROP-SPOKED PROPELLER ASTERISK
    {0x275B, "'"},    // HEAVY SINGLE TURNED COMMA QUOTATION MARK ORNAMENT
    {0x275C, "'"},    // HEAVY SINGLE COMMA QUOTATION MARK ORNAMENT
    {0x275D, "\""},   // HEAVY DOUBLE TURNED COMMA QUOTATION MARK ORNAMENT
    {0x275E, "\""},   // HEAVY DOUBLE COMMA QUOTATION MARK ORNAMENT
    {0x2768, "("},    // MEDIUM LEFT PARENTHESIS ORNAMENT
    {0x2769, ")"},    // MEDIUM RIGHT PARENTHESIS ORNAMENT
    {0x276A, "("},    // MEDIUM FLATTENED LEFT PARENTHESIS ORNAMENT
    {0x276B, ")"},    // MEDIUM FLATTENED RIGHT PARENTHESIS ORNAMENT
    {0x2774, "{"},    // MEDIUM LEFT CURLY BRACKET ORNAMENT
    {0x2775, "}"},    // MEDIUM RIGHT CURLY BRACKET ORNAMENT
    {0x27EE, "("},    // MATHEMATICAL LEFT FLATTENED PARENTHESIS
    {0x27EF, ")"},    // MATHEMATICAL RIGHT FLATTENED PARENTHESIS
    {0x2982, ":"},    // Z NOTATION TYPE COLON
    {0x2985, "("},    // LEFT WHITE PARENTHESIS
    {0x2986, ")"},    // RIGHT WHITE PARENTHESIS
    {0x29C6, "*"},    // SQUARED ASTERISK
    {0x29F5, "\\"},   // REVERSE SOLIDUS OPERATOR
    {0x29F8, "/"},    // BIG SOLIDUS
    {0x29F9, "\\"},   // BIG REVERSE SOLIDUS
    {0x3000, " "},    // IDEOGRAHPIC SPACE (two spaces in the npm map; see file comment)
    {0x3001, ","},    // IDEOGRAPHIC COMMA
    {0x3002, "."},    // IDEOGRAPHIC FULL STOP
    {0x301D, "\""},   // REVERSED DOUBLE PRIME QUOTATION MARK
    {0x301E, "\""},   // DOUBLE PRIME QUOTATION MARK
    {0xA730, "F"},    // LATIN LETTER SMALL CAPITAL F
    {0xA731, "S"},    // LATIN LETTER SMALL CAPITAL S
    {0xA789, ":"},    // MODIFIER LETTER COLON
    {0xA78A, "="},    // MODIFIER LETTER SHORT EQUALS SIGN
    {0xFE10, "'"},    // PRESENTATION FORM FOR VERTICAL COMMA
    {0xFE11, "'"},    // PRESENTATION FORM FOR VERTICAL IDEOGRAPHIC COMMA
    {0xFE13, ":"},    // PRESENTATION FORM FOR VERTICAL COLON
    {0xFE14, ";"},    // PRESENTATION FORM FOR VERTICAL SEMICOLON
    {0xFE15, "!"},    // PRESENTATION FORM FOR VERTICAL EXLAMATION MARK
    {0xFE16, "?"},    // PRESENTATION FORM FOR VERTICAL QUESTION MARK
    {0xFE50, ","},    // SMALL COMMA
    {0xFE51, ","},    // SMALL IDEOGRAPHIC COMMA
    {0xFE52, "."},    // SMALL FULL STOP
    {0xFE54, ";"},    // SMALL SEMICOLON
    {0xFE56, "?"},    // SMALL QUESTION MARK
    {0xFE57, "!"},    // SMALL EXCLAMATION MARK
    {0xFE59, "("},    // SMALL LEFT PARENTHESIS
    {0xFE5A, ")"},    // SMALL RIGHT PARENTHESIS
    {0xFE5B, "{"},    // SMALL LEFT CURLY BRACKET
    {0xFE5C, "}"},    // SMALL RIGHT CURLY BRACKET
    {0xFE5F, "#"},    // SMALL NUMBER SIGN
    {0xFE60, "&"},    // SMALL AMPERSAND
    {0xFE61, "*"},    // SMALL ASTERISK
    {0xFE62, "+"},    // SMALL PLUS SIGN
    {0xFE63, "-"},    // SMALL HYPHEN-MINUS
    {0xFE64, "<"},    // SMALL LESS-THAN SIGN
    {0xFE65, ">"},    // SMALL GREATER-THAN SIGN
    {0xFE66, "="},    // SMALL EQUALS SIGN
    {0xFE68, "\\"},   // SMALL REVERSE SOLIDUS
    {0xFE69, "$"},    // SMALL DOLLAR SIGN
    {0xFE6A, "%"},    // SMALL PERCENT SIGN
    {0xFE6B, "@"},    // SMALL COMMERCIAL AT
    {0xFEFF, ""},     // ZERO WIDTH NO-BREAK SPACE
    {0xFF01, "!"},    // FULLWIDTH EXCLAMATION MARK
    {0xFF02, "\""},   // FULLWIDTH QUOTATION MARK
    {0xFF03, "#"},    // FULLWIDTH NUMBER SIGN
    {0xFF04, "$"},    // FULLWIDTH DOLLAR SIGN
    {0xFF05, "%"},    // FULLWIDTH PERCENT SIGN
    {0xFF06, "&"},    // FULLWIDTH AMPERSAND
    {0xFF07, "'"},    // FULLWIDTH APOSTROPHE
    {0xFF08, "("},    // FULLWIDTH LEFT PARENTHESIS
    {0xFF09, ")"},    // FULLWIDTH RIGHT PARENTHESIS
    {0xFF0A, "*"},    // FULLWIDTH ASTERISK
    {0xFF0B, "+"},    // FULLWIDTH PLUS SIGN
    {0xFF0C, ","},    // FULLWIDTH COMMA
    {0xFF0D, "-"},    // FULLWIDTH HYPHEN-MINUS
    {0xFF0E, "."},    // FULLWIDTH FULL STOP
    {0xFF0F, "/"},    // FULLWIDTH SOLIDUS
    {0xFF10, "0"},    // FULLWIDTH DIGIT ZERO
    {0xFF11, "1"},    // FULLWIDTH DIGIT ONE
    {0xFF12, "2"},    // FULLWIDTH DIGIT TWO
    {0xFF13, "3"},    // FULLWIDTH DIGIT THREE
    {0xFF14, "4"},    // FULLWIDTH DIGIT FOUR
    {0xFF15, "5"},    // FULLWIDTH DIGIT FIVE
    {0xFF16, "6"},    // FULLWIDTH DIGIT SIX
    {0xFF17, "7"},    // FULLWIDTH DIGIT SEVEN
    {0xFF18, "8"},    // FULLWIDTH DIGIT EIGHT
    {0xFF19, "9"},    // FULLWIDTH DIGIT NINE
    {0xFF1A, ":"},    // FULLWIDTH COLON
    {0xFF1B, ";"},    // FULLWIDTH SEMICOLON
    {0xFF1C, "<"},    // FULLWIDTH LESS-THAN SIGN
    {0xFF1D, "="},    // FULLWIDTH EQUALS SIGN
    {0xFF1E, ">"},    // FULLWIDTH GREATER-THAN SIGN
    {0xFF1F, "?"},    // FULLWIDTH QUESTION MARK
    {0xFF20, "@"},    // FULLWIDTH COMMERCIAL AT
    {0xFF21, "A"},    // FULLWIDTH LATIN CAPITAL LETTER A
    {0xFF22, "B"},    // FULLWIDTH LATIN CAPITAL LETTER B
    {0xFF23, "C"},    // FULLWIDTH LATIN CAPITAL LETTER C
    {0xFF24, "D"},    // FULLWIDTH LATIN CAPITAL LETTER D
    {0xFF25, "E"},    // FULLWIDTH LATIN CAPITAL LETTER E
    {0xFF26, "F"},    // FULLWIDTH LATIN CAPITAL LETTER F
    {0xFF27, "G"},    // FULLWIDTH LATIN CAPITAL LETTER G
    {0xFF28, "H"},    // FULLWIDTH LATIN CAPITAL LETTER H
    {0xFF29, "I"},    // FULLWIDTH LATIN CAPITAL LETTER I
    {0xFF2A, "J"},    // FULLWIDTH LATIN CAPITAL LETTER J
    {0xFF2B, "K"},    // FULLWIDTH LATIN CAPITAL LETTER K
    {0xFF2C, "L"},    // FULLWIDTH LATIN CAPITAL LETTER L
    {0xFF2D, "M"},    // FULLWIDTH LATIN CAPITAL LETTER M
    {0xFF2E, "N"},    // FULLWIDTH LATIN CAPITAL LETTER N
    {0xFF2F, "O"},    // FULLWIDTH LATIN CAPITAL LETTER O
    {0xFF30, "P"},    // FULLWIDTH LATIN CAPITAL LETTER P
    {0xFF31, "Q"},    // FULLWIDTH LATIN CAPITAL LETTER Q
    {0xFF32, "R"},    // FULLWIDTH LATIN CAPITAL LETTER R
    {0xFF33, "S"},    // FULLWIDTH LATIN CAPITAL LETTER S
    {0xFF34, "T"},    // FULLWIDTH LATIN CAPITAL LETTER T
    {0xFF35, "U"},    // FULLWIDTH LATIN CAPITAL LETTER U
    {0xFF36, "V"},    // FULLWIDTH LATIN CAPITAL LETTER V
    {0xFF37, "W"},    // FULLWIDTH LATIN CAPITAL LETTER W
    {0xFF38, "X"},    // FULLWIDTH LATIN CAPITAL LETTER X
    {0xFF39, "Y"},    // FULLWIDTH LATIN CAPITAL LETTER Y
    {0xFF3A, "Z"},    // FULLWIDTH LATIN CAPITAL LETTER Z
    {0xFF3B, "["},    // FULLWIDTH LEFT SQUARE BRACKET
    {0xFF3C, "\\"},   // FULLWIDTH REVERSE SOLIDUS
    {0xFF3D, "]"},    // FULLWIDTH RIGHT SQUARE BRACKET
    {0xFF3E, "^"},    // FULLWIDTH CIRCUMFLEX ACCENT
    {0xFF3F, "_"},    // FULLWIDTH LOW LINE
    {0xFF5B, "{"},    // FULLWIDTH LEFT CURLY BRACKET
    {0xFF5C, "|"},    // FULLWIDTH VERTICAL LINE
    {0xFF5D, "}"},    // FULLWIDTH RIGHT CURLY BRACKET
    {0xFF5E, "~"},    // FULLWIDTH TILDE
    {0xFF61, "."},    // HALFWIDTH IDEOGRAPHIC FULL STOP
    {0xFF64, ","},    // HALFWIDTH IDEOGRAPHIC COMMA
};

constexpr bool is_sorted_table() {
  for (size_t i = 1; i < std::size(kTable); ++i) {
    if (kTable[i - 1].cp >= kTable[i].cp) return false;
  }
  return true;
}
static_assert(is_sorted_table(), "kTable must be sorted by code point for binary search");

}  // namespace

const char* smart_replacement(char32_t cp) {
  const auto* it = std::lower_bound(std::begin(kTable), std::end(kTable), cp,
                                    [](const Replacement& r, char32_t c) { return r.cp < c; });
  return it != std::end(kTable) && it->cp == cp ? it->gsm : nullptr;
}

SmartEncoded smart_encode(std::string_view body) {
  SmartEncoded out;
  out.body.reserve(body.size());
  size_t i = 0;
  while (i < body.size()) {
    const size_t at = i;
    const char32_t cp = utf8::next_unchecked(body, i);
    // Printable ASCII other than the grave accent is never in the table.
    const char* rep = (cp >= 0x20 && cp < 0x7F && cp != U'`') ? nullptr : smart_replacement(cp);
    if (rep == nullptr) {
      out.body.append(body.substr(at, i - at));
    } else {
      out.body.append(rep);
      ++out.replaced;
    }
  }
  return out;
}

}  // namespace sb
