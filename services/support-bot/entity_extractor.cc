// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/entity_extractor.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/country_codes.h"
#include "common/text/re2_util.h"
#include "common/text/utf8.h"
#include "re2/re2.h"

namespace shop::supportbot {
namespace {

struct Span {
  size_t begin = 0, end = 0;
  bool Overlaps(const Span& other) const { return begin < other.end && other.begin < end; }
};

bool OverlapsAny(const Span& span, const std::vector<Span>& spans) {
  return std::any_of(spans.begin(), spans.end(),
                     [&span](const Span& s) { return span.Overlaps(s); });
}

// The code point that starts at text[pos]; U+FFFD for an invalid sequence.
char32_t DecodeAt(absl::string_view text, size_t pos) {
  char32_t cp = 0;
  return DecodeUtf8(text, pos, &cp) > 0 ? cp : 0xFFFD;
}

// Letters and digits of any script: ASCII letters and digits, and every non-ASCII code
// point except the spaces, quotes, dashes and punctuation that customers type.
bool IsWordCodePoint(char32_t cp) {
  if (cp < 0x80) return absl::ascii_isalnum(static_cast<unsigned char>(cp));
  // No-break space, ¡ « ° » ¿ ×, dashes, curly quotes, …, narrow no-break space,
  // ideographic space, the currency signs £ ¥ € ￥, and the replacement character of invalid
  // bytes.
  static constexpr char32_t kNotWord[] = {
      0xA0,   0xA1,   0xAB,   0xB0,   0xBB,   0xBF,   0xD7,   0x2013, 0x2014, 0x2018, 0x2019,
      0x201C, 0x201D, 0x201E, 0x2026, 0x202F, 0x3000, 0x20AC, 0xFFFD, 0xA3,   0xA5,   0xFFE5};
  return std::find(std::begin(kNotWord), std::end(kNotWord), cp) == std::end(kNotWord);
}

bool WordCharBefore(absl::string_view text, size_t pos) {
  if (pos == 0) return false;
  size_t start = pos - 1;
  while (start > 0 && pos - start < 4 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
    --start;
  }
  return IsWordCodePoint(DecodeAt(text, start));
}

bool WordCharAt(absl::string_view text, size_t pos) {
  return pos < text.size() && IsWordCodePoint(DecodeAt(text, pos));
}

bool IsAsciiDigitAt(absl::string_view text, size_t pos) {
  return pos < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[pos]));
}

// ASCII and Latin-1 capitals (À..Þ, "É", "Ö", "Ñ") to lower case, byte for byte the same
// length, so that offsets in the folded text are offsets in the original.
std::string FoldCase(absl::string_view text) {
  std::string out(text);
  for (size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<unsigned char>(out[i]);
    if (c < 0x80) {
      out[i] = absl::ascii_tolower(c);
    } else if (c == 0xC3 && i + 1 < out.size()) {
      const auto next = static_cast<unsigned char>(out[i + 1]);
      if (next >= 0x80 && next <= 0x9E && next != 0x97) out[i + 1] = static_cast<char>(next + 0x20);
      ++i;
    }
  }
  return out;
}

// Calls `visit(begin, end, groups)` for each match of `re` in `text`, left to right. When
// `visit` rejects a match, the search goes on one character after the match's start.
template <typename Visit>
void ForEachMatch(const RE2& re, absl::string_view text, Visit visit) {
  std::vector<re2::StringPiece> groups(1 + re.NumberOfCapturingGroups());
  size_t pos = 0;
  while (pos < text.size() && re.Match(ToPiece(text), pos, text.size(), RE2::UNANCHORED,
                                       groups.data(), static_cast<int>(groups.size()))) {
    const size_t begin = groups[0].data() - text.data();
    const size_t end = begin + groups[0].size();
    if (end > begin && visit(begin, end, groups)) {
      pos = end;
    } else {
      pos = begin + 1;
      while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
    }
  }
}

Span SpanOf(absl::string_view text, const re2::StringPiece& piece) {
  const size_t begin = piece.data() - text.data();
  return {begin, begin + piece.size()};
}

// A bare 8-digit number that reads as a date: YYYYMMDD or DDMMYYYY of 1900..2099.
bool LooksLikeDate(absl::string_view digits) {
  const auto number = [&](size_t pos, size_t len) {
    int n = 0;
    for (size_t i = pos; i < pos + len; ++i) n = n * 10 + (digits[i] - '0');
    return n;
  };
  const auto plausible = [](int year, int month, int day) {
    return year >= 1900 && year <= 2099 && month >= 1 && month <= 12 && day >= 1 && day <= 31;
  };
  return plausible(number(0, 4), number(4, 2), number(6, 2)) ||
         plausible(number(4, 4), number(2, 2), number(0, 2));
}

// "1.234,56" -> "1234.56", "12,5" -> "12.50", "1,234" -> "1234". The regex allows
// thousands separators only before groups of 3 digits and decimals of 1 or 2 digits, so
// the last separator is the decimal mark exactly when 1 or 2 digits follow it.
std::string NormalizeAmount(absl::string_view number) {
  size_t last_sep = absl::string_view::npos;
  for (size_t i = 0; i < number.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(number[i]))) last_sep = i;
  }
  std::string integer, fraction;
  const bool has_decimals = last_sep != absl::string_view::npos &&
                            (number[last_sep] == '.' || number[last_sep] == ',') &&
                            number.size() - last_sep - 1 <= 2;
  for (size_t i = 0; i < number.size(); ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(number[i]))) continue;
    (has_decimals && i > last_sep ? fraction : integer).push_back(number[i]);
  }
  if (!has_decimals) return integer;
  if (fraction.size() == 1) fraction.push_back('0');
  return absl::StrCat(integer, ".", fraction);
}

// Currency symbols, codes and words as written (folded to lower case) -> ISO 4217.
std::string CurrencyCode(absl::string_view token) {
  const std::string t = FoldCase(token);
  static const std::pair<absl::string_view, absl::string_view> kCurrencies[] = {
      {"us$", "USD"},   {"$", "USD"},      {"dollar", "USD"},  {"dollars", "USD"},
      {"au$", "AUD"},   {"a$", "AUD"},     {"ca$", "CAD"},     {"c$", "CAD"},
      {"nz$", "NZD"},   {"€", "EUR"},      {"euro", "EUR"},    {"euros", "EUR"},
      {"£", "GBP"},     {"pound", "GBP"},  {"pounds", "GBP"},  {"quid", "GBP"},
      {"¥", "JPY"},     {"￥", "JPY"},     {"yen", "JPY"},     {"fr.", "CHF"},
      {"franc", "CHF"}, {"francs", "CHF"}, {"franken", "CHF"}, {"kr", "NOK"},
      {"krone", "NOK"}, {"kroner", "NOK"},
  };
  for (const auto& [name, code] : kCurrencies) {
    if (t == name) return std::string(code);
  }
  return absl::AsciiStrToUpper(t);  // a 3-letter code
}

// Names in lower case (as FoldCase writes them) -> ISO code. English, German, French and
// Spanish names of the shop's destinations and of the countries customers mention most.
// Left out on purpose: names that are everyday words or names ("china", "turkey",
// "georgia", "jordan", "chad", "suede") and lower-case "usa" (Spanish "usa" = uses).
// clang-format off
constexpr std::pair<const char*, const char*> kCountryNames[] = {
    {"germany", "DE"}, {"deutschland", "DE"}, {"allemagne", "DE"}, {"alemania", "DE"},
    {"france", "FR"}, {"frankreich", "FR"}, {"francia", "FR"},
    {"spain", "ES"}, {"spanien", "ES"}, {"espagne", "ES"}, {"españa", "ES"}, {"espana", "ES"},
    {"united kingdom", "GB"}, {"uk", "GB"}, {"u.k.", "GB"}, {"great britain", "GB"},
    {"britain", "GB"}, {"england", "GB"}, {"scotland", "GB"}, {"wales", "GB"},
    {"northern ireland", "GB"}, {"vereinigtes königreich", "GB"}, {"großbritannien", "GB"},
    {"grossbritannien", "GB"}, {"schottland", "GB"},
    {"royaume-uni", "GB"}, {"royaume uni", "GB"}, {"angleterre", "GB"},
    {"grande-bretagne", "GB"}, {"écosse", "GB"}, {"reino unido", "GB"},
    {"inglaterra", "GB"}, {"gran bretaña", "GB"}, {"escocia", "GB"},
    {"united states", "US"}, {"united states of america", "US"}, {"u.s.", "US"},
    {"u.s.a.", "US"}, {"vereinigte staaten", "US"}, {"états-unis", "US"},
    {"etats-unis", "US"}, {"estados unidos", "US"}, {"ee.uu.", "US"}, {"eeuu", "US"},
    {"switzerland", "CH"}, {"schweiz", "CH"}, {"suisse", "CH"}, {"suiza", "CH"},
    {"svizzera", "CH"},
    {"japan", "JP"}, {"japon", "JP"}, {"japón", "JP"},
    {"australia", "AU"}, {"australien", "AU"}, {"australie", "AU"},
    {"austria", "AT"}, {"österreich", "AT"}, {"oesterreich", "AT"}, {"autriche", "AT"},
    {"italy", "IT"}, {"italien", "IT"}, {"italie", "IT"}, {"italia", "IT"},
    {"netherlands", "NL"}, {"holland", "NL"}, {"niederlande", "NL"}, {"pays-bas", "NL"},
    {"países bajos", "NL"}, {"paises bajos", "NL"}, {"holanda", "NL"},
    {"belgium", "BE"}, {"belgien", "BE"}, {"belgique", "BE"}, {"bélgica", "BE"},
    {"belgica", "BE"},
    {"poland", "PL"}, {"polen", "PL"}, {"pologne", "PL"}, {"polonia", "PL"},
    {"sweden", "SE"}, {"schweden", "SE"}, {"suède", "SE"}, {"suecia", "SE"},
    {"denmark", "DK"}, {"dänemark", "DK"}, {"danemark", "DK"}, {"dinamarca", "DK"},
    {"norway", "NO"}, {"norwegen", "NO"}, {"norvège", "NO"}, {"noruega", "NO"},
    {"finland", "FI"}, {"finnland", "FI"}, {"finlande", "FI"}, {"finlandia", "FI"},
    {"ireland", "IE"}, {"irland", "IE"}, {"irlande", "IE"}, {"irlanda", "IE"},
    {"portugal", "PT"},
    {"greece", "GR"}, {"griechenland", "GR"}, {"grèce", "GR"}, {"grecia", "GR"},
    {"czech republic", "CZ"}, {"czechia", "CZ"}, {"tschechien", "CZ"},
    {"république tchèque", "CZ"}, {"república checa", "CZ"},
    {"hungary", "HU"}, {"ungarn", "HU"}, {"hongrie", "HU"}, {"hungría", "HU"},
    {"romania", "RO"}, {"rumänien", "RO"}, {"roumanie", "RO"}, {"rumanía", "RO"},
    {"rumania", "RO"},
    {"bulgaria", "BG"}, {"bulgarien", "BG"}, {"bulgarie", "BG"},
    {"croatia", "HR"}, {"kroatien", "HR"}, {"croatie", "HR"}, {"croacia", "HR"},
    {"slovenia", "SI"}, {"slowenien", "SI"}, {"slovénie", "SI"}, {"eslovenia", "SI"},
    {"slovakia", "SK"}, {"slowakei", "SK"}, {"slovaquie", "SK"}, {"eslovaquia", "SK"},
    {"luxembourg", "LU"}, {"luxemburg", "LU"}, {"luxemburgo", "LU"},
    {"lithuania", "LT"}, {"litauen", "LT"}, {"lituanie", "LT"}, {"lituania", "LT"},
    {"latvia", "LV"}, {"lettland", "LV"}, {"lettonie", "LV"}, {"letonia", "LV"},
    {"estonia", "EE"}, {"estland", "EE"}, {"estonie", "EE"},
    {"cyprus", "CY"}, {"zypern", "CY"}, {"chypre", "CY"}, {"chipre", "CY"},
    {"malta", "MT"}, {"malte", "MT"},
    {"liechtenstein", "LI"},
    {"canada", "CA"}, {"kanada", "CA"}, {"canadá", "CA"},
    {"new zealand", "NZ"}, {"neuseeland", "NZ"}, {"nouvelle-zélande", "NZ"},
    {"nueva zelanda", "NZ"},
    {"south korea", "KR"}, {"korea", "KR"}, {"südkorea", "KR"}, {"corée du sud", "KR"},
    {"corea del sur", "KR"}, {"north korea", "KP"},
    {"singapore", "SG"}, {"singapur", "SG"}, {"singapour", "SG"},
    {"hong kong", "HK"}, {"hongkong", "HK"},
    {"taiwan", "TW"}, {"taïwan", "TW"}, {"taiwán", "TW"},
    {"serbia", "RS"}, {"serbien", "RS"}, {"serbie", "RS"},
    {"mexico", "MX"}, {"méxico", "MX"}, {"mexique", "MX"}, {"mexiko", "MX"},
    {"brazil", "BR"}, {"brasilien", "BR"}, {"brésil", "BR"}, {"brasil", "BR"},
    {"india", "IN"}, {"indien", "IN"}, {"inde", "IN"},
    {"ukraine", "UA"}, {"ucrania", "UA"},
};
// clang-format on

// Upper-case two-letter codes that are also English words or common abbreviations; they
// count only after a preposition or as the whole message.
bool IsAmbiguousCode(absl::string_view code) {
  static const absl::string_view kAmbiguous[] = {
      "AD", "AI", "AM", "AS", "AT", "BE", "BY", "CC", "CD", "CV", "DO", "ID", "IN", "IS",
      "IT", "MD", "ME", "MS", "MY", "NO", "PM", "PR", "PS", "SO", "TO", "TV", "UM"};
  return std::find(std::begin(kAmbiguous), std::end(kAmbiguous), code) != std::end(kAmbiguous);
}

std::optional<std::string> CodeFromToken(absl::string_view token) {
  const std::string upper = absl::AsciiStrToUpper(token);
  if (upper == "UK") return "GB";
  if (upper == "USA") return "US";
  if (upper.size() != 2) return std::nullopt;
  return NormalizeCountryCode(upper);
}

}  // namespace

// Shorter ids are only taken after a prefix or "order": a bare 4- or 5-digit number is
// more often a postcode, a quantity or a year.
constexpr int kMinBareOrderDigits = 6;

struct EntityExtractor::Patterns {
  explicit Patterns(const OrderIdFormat& f)
      : format(f),
        order_with_prefix(OrderWithPrefix(f)),
        bare_number(absl::StrCat(R"(\b\d{)", f.digits, R"(}\b)")),
        other_number(OtherNumber(f)) {}

  const OrderIdFormat format;
  RE2 email{R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})"};

  // "ORD-12345678", "ord 12345678", "order #12345678", "order no. 1234 5678",
  // "Bestellnummer: 12345678", "#12345678" (for the default format; the prefix's letters
  // and the digit count come from the store's OrderIdFormat). Groups: the two halves of
  // the number (an even count may be written in two groups), or the number and "".
  static std::string OrderWithPrefix(const OrderIdFormat& f) {
    const std::string number =
        f.digits % 2 == 0
            ? absl::StrCat(R"((\d{)", f.digits / 2, R"(})[ \-]?(\d{)", f.digits / 2, R"(}))")
            : absl::StrCat(R"((\d{)", f.digits, R"(})())");
    return absl::StrCat(
        R"((?i)(?:(?:\b)", RE2::QuoteMeta(f.Letters()),
        R"(|\b(?:orders?|bestellung|bestellnummer|auftrag|auftragsnummer|)"
        R"(commande|pedido|orden)\b)\.?(?:\s*(?:number|num|nr|no|nº|n°|nummer|numéro|numero|)"
        R"(número|id|ref))?\.?(?:\s+(?:is|ist|est|es|was))?\s*[:#\-_/]?\s*#?|#)\s*)",
        number, R"(\b)");
  }
  RE2 order_with_prefix;
  // A number of the order id's length standing on its own (a candidate bare order number).
  RE2 bare_number;
  // Such a number named as something else: "account number 12345678", "IBAN ...",
  // "tracking 12345678", "Kundennummer: 12345678". Group 1: the number.
  static std::string OtherNumber(const OrderIdFormat& f) {
    return absl::StrCat(
        R"((?i)\b(?:account|customer|kunden\w*|client|cliente|iban|tracking|sendungs\w*|)"
        R"(invoice|rechnung\w*|facture|factura|vat|card|karte|carte|tarjeta|ticket|sku|item|)"
        R"(artikel\w*|article|product|postcode|zip|plz)(?:\s*(?:number|no|nr|nummer|n°|id|#))?)"
        R"(\.?\s*(?:is|ist|est|es|:)?\s*(\d{)",
        f.digits, R"(})\b)");
  }
  RE2 other_number;

  // International (+49 151 23456789, 0049 ...), national with a trunk 0 (0151 23456789,
  // (030) 1234-5678) and North American (212-555-0123) numbers.
  RE2 phone{R"((?:\+|\b00)\d[\d \-./()]{5,}\d|\(?\b0\d{1,4}\)?[ \-/]\d[\d \-]{3,}\d|)"
            R"(\(?\b\d{3}\)?[ \-.]\d{3}[ \-.]\d{4}\b)"};
  // A number after "phone", "call me on", "Handy:", ... Group 1: the number.
  RE2 phone_after_keyword{
      R"((?i)\b(?:phone|tel|telephone|mobile|cell|call|handy|telefon|téléphone|portable|)"
      R"(teléfono|móvil|movil|whatsapp|fax)\b[^\d\n]{0,15}(\+?\d[\d \-./()]*\d))"};

  // Amounts: currency before (group 1) and number (group 2), or number (group 1) and
  // currency after (group 2). ",-" / ".-" is the Swiss "no cents".
  RE2 money_prefix{Money(/*prefix=*/true)};
  RE2 money_suffix{Money(/*prefix=*/false)};

  RE2 country_name{CountryNames()};
  RE2 country_code{R"(\b([A-Z]{2,3})\b)"};
  RE2 preposition{
      R"((?i)(?:^|\W)(?:to|from|in|into|country|nach|aus|land|vers|pays|en|a|país|pais)\s+$)"};

  static std::string Money(bool prefix) {
    const std::string number =
        R"((\d{1,3}(?:[ ,.'’\x{A0}\x{202F}]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?))";
    const std::string codes =
        R"(US\$|AU\$|A\$|CA\$|C\$|NZ\$|USD|EUR|GBP|CHF|JPY|AUD|CAD|NZD|NOK|SEK|DKK|PLN|)";
    const std::string symbols = R"(€|\$|£|¥|￥)";
    const std::string space = R"([ \x{A0}\x{202F}]?)";
    if (prefix) {
      return absl::StrCat("(?i)(", codes, R"(Fr\.|)", symbols, ")", space, number,
                          R"((?:[.,][-–])?)");
    }
    // Words first: RE2 prefers the earlier alternative, and "20 euros" must not stop at
    // "20 eur".
    return absl::StrCat("(?i)", number, R"((?:[.,][-–])?)", space,
                        R"((euros?|pounds?|quid|dollars?|francs?|franken|yen|kroner?|kr|)", codes,
                        symbols, ")");
  }

  static std::string CountryNames() {
    std::vector<std::string> names;
    for (const auto& [name, code] : kCountryNames) names.push_back(RE2::QuoteMeta(name));
    // RE2 prefers the earlier alternative: longest first, so that "northern ireland" wins
    // over "ireland" and "united states of america" over "united states".
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
      return a.size() != b.size() ? a.size() > b.size() : a < b;
    });
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return absl::StrCat("(", absl::StrJoin(names, "|"), ")");
  }
};

EntityExtractor::EntityExtractor(const OrderIdFormat& order_ids)
    : patterns_(std::make_unique<Patterns>(order_ids)) {}
EntityExtractor::~EntityExtractor() = default;

Entities EntityExtractor::Extract(absl::string_view text) const {
  const Patterns& p = *patterns_;
  Entities out;

  // E-mail addresses.
  std::vector<Span> emails;
  ForEachMatch(p.email, text, [&](size_t begin, size_t end, const auto&) {
    emails.push_back({begin, end});
    const std::string email(text.substr(begin, end - begin));
    const bool seen = std::any_of(out.emails.begin(), out.emails.end(), [&](const std::string& e) {
      return absl::EqualsIgnoreCase(e, email);
    });
    if (!seen) out.emails.push_back(email);
    return true;
  });

  // Order numbers with a prefix: they win over amounts and phone numbers.
  std::vector<std::pair<size_t, std::string>> orders;  // position, id
  std::vector<Span> order_spans;
  ForEachMatch(p.order_with_prefix, text, [&](size_t begin, size_t end, const auto& groups) {
    const Span span{begin, end};
    // "order 12345678.50" is an amount, not an order.
    if ((IsAsciiDigitAt(text, end + 1) && (text[end] == '.' || text[end] == ',')) ||
        OverlapsAny(span, emails)) {
      return false;
    }
    order_spans.push_back(span);
    orders.emplace_back(SpanOf(text, groups[1]).begin,
                        absl::StrCat(p.format.prefix, ToView(groups[1]), ToView(groups[2])));
    return true;
  });

  // Phone numbers: only to keep bare order numbers out of them.
  std::vector<Span> phones;
  ForEachMatch(p.phone, text, [&](size_t begin, size_t end, const auto&) {
    phones.push_back({begin, end});
    return true;
  });
  ForEachMatch(p.phone_after_keyword, text, [&](size_t, size_t, const auto& groups) {
    phones.push_back(SpanOf(text, groups[1]));
    return true;
  });

  // Money amounts.
  std::vector<std::pair<Span, MoneyAmount>> amounts;
  const auto add_amount = [&](size_t begin, size_t end, const re2::StringPiece& number,
                              const re2::StringPiece& currency) {
    const Span span{begin, end};
    if (OverlapsAny(span, order_spans) || OverlapsAny(span, emails)) return false;
    for (const auto& [other, amount] : amounts) {
      if (other.Overlaps(span)) return false;
    }
    MoneyAmount amount;
    amount.currency = CurrencyCode(ToView(currency));
    amount.amount = NormalizeAmount(ToView(number));
    if (!absl::SimpleAtod(amount.amount, &amount.value)) return false;
    amount.text = std::string(text.substr(begin, end - begin));
    amounts.emplace_back(span, std::move(amount));
    return true;
  };
  ForEachMatch(p.money_prefix, text, [&](size_t begin, size_t end, const auto& groups) {
    const bool starts_with_letter = absl::ascii_isalpha(static_cast<unsigned char>(text[begin]));
    if ((starts_with_letter && WordCharBefore(text, begin)) || WordCharAt(text, end)) return false;
    return add_amount(begin, end, groups[2], groups[1]);
  });
  ForEachMatch(p.money_suffix, text, [&](size_t begin, size_t end, const auto& groups) {
    const bool ends_with_letter = absl::ascii_isalpha(static_cast<unsigned char>(text[end - 1]));
    if (WordCharBefore(text, begin) ||
        (begin > 0 && (text[begin - 1] == '.' || text[begin - 1] == ',')) ||
        (ends_with_letter && WordCharAt(text, end))) {
      return false;
    }
    return add_amount(begin, end, groups[1], groups[2]);
  });
  std::sort(amounts.begin(), amounts.end(),
            [](const auto& a, const auto& b) { return a.first.begin < b.first.begin; });
  std::vector<Span> amount_spans;
  for (auto& [span, amount] : amounts) {
    amount_spans.push_back(span);
    out.amounts.push_back(std::move(amount));
  }

  // Bare 8-digit order numbers, when nothing else claims them.
  std::vector<Span> other_numbers;
  ForEachMatch(p.other_number, text, [&](size_t, size_t, const auto& groups) {
    other_numbers.push_back(SpanOf(text, groups[1]));
    return true;
  });
  // Bare numbers only when the ids are long enough not to be postcodes or quantities.
  if (p.format.digits >= kMinBareOrderDigits)
    ForEachMatch(p.bare_number, text, [&](size_t begin, size_t end, const auto&) {
      const Span span{begin, end};
      if (OverlapsAny(span, order_spans) || OverlapsAny(span, emails) ||
          OverlapsAny(span, phones) || OverlapsAny(span, amount_spans) ||
          OverlapsAny(span, other_numbers)) {
        return false;
      }
      const absl::string_view digits = text.substr(begin, p.format.digits);
      if (p.format.digits == 8 && LooksLikeDate(digits)) return false;
      // Part of a longer number: "+12345678", "1.12345678", "12345678,50", "1234-12345678",
      // "151 12345678", "12345678 90".
      if (begin > 0) {
        const char before = text[begin - 1];
        if (absl::string_view("+-/.,'").find(before) != absl::string_view::npos) return false;
        if (before == ' ' && begin >= 2 && IsAsciiDigitAt(text, begin - 2)) return false;
      }
      if (end < text.size()) {
        const char after = text[end];
        if (absl::string_view("-/.,' ").find(after) != absl::string_view::npos &&
            IsAsciiDigitAt(text, end + 1)) {
          return false;
        }
      }
      orders.emplace_back(begin, absl::StrCat(p.format.prefix, digits));
      return true;
    });
  std::sort(orders.begin(), orders.end());
  for (auto& [pos, id] : orders) {
    if (std::find(out.order_ids.begin(), out.order_ids.end(), id) == out.order_ids.end()) {
      out.order_ids.push_back(std::move(id));
    }
  }

  // Countries.
  std::vector<std::pair<size_t, std::string>> countries;
  const std::string folded = FoldCase(text);
  ForEachMatch(p.country_name, folded, [&](size_t begin, size_t end, const auto& groups) {
    const Span span{begin, end};
    if ((WordCharAt(folded, begin) && WordCharBefore(folded, begin)) ||
        (WordCharBefore(folded, end) && WordCharAt(folded, end)) || OverlapsAny(span, emails)) {
      return false;
    }
    const absl::string_view name = ToView(groups[1]);
    for (const auto& [n, code] : kCountryNames) {
      if (name == n) {
        countries.emplace_back(begin, code);
        break;
      }
    }
    return true;
  });
  // The message without surrounding spaces and final punctuation.
  absl::string_view whole = absl::StripAsciiWhitespace(text);
  whole = whole.substr(0, whole.find_last_not_of(".!?") + 1);  // npos + 1 == 0
  if (!whole.empty() && whole.size() <= 3 && std::all_of(whole.begin(), whole.end(), [](char c) {
        return absl::ascii_isalpha(static_cast<unsigned char>(c));
      })) {
    // The whole message is a code: "de", "UK", "USA". A word-like code counts only in
    // upper case, and "no" never: it answers the bot's yes/no questions.
    const bool word_like = IsAmbiguousCode(absl::AsciiStrToUpper(whole));
    const bool upper = std::all_of(whole.begin(), whole.end(), [](char c) {
      return absl::ascii_isupper(static_cast<unsigned char>(c));
    });
    std::optional<std::string> code = CodeFromToken(whole);
    if (code && (!word_like || (upper && whole != "NO"))) {
      countries.emplace_back(whole.data() - text.data(), *code);
    }
  } else {
    const bool has_lower = std::any_of(text.begin(), text.end(), [](char c) {
      return absl::ascii_islower(static_cast<unsigned char>(c));
    });
    if (has_lower) {  // in an all-caps message every short word looks like a code
      ForEachMatch(p.country_code, text, [&](size_t begin, size_t end, const auto& groups) {
        const Span span{begin, end};
        if (OverlapsAny(span, emails) || OverlapsAny(span, order_spans) ||
            OverlapsAny(span, amount_spans) || WordCharBefore(text, begin) ||
            WordCharAt(text, end)) {
          return false;
        }
        const absl::string_view token = ToView(groups[1]);
        std::optional<std::string> code = CodeFromToken(token);
        if (!code) return false;
        if (IsAmbiguousCode(token) &&
            !RE2::PartialMatch(ToPiece(text.substr(0, begin)), p.preposition)) {
          return false;
        }
        countries.emplace_back(begin, *code);
        return true;
      });
    }
  }
  std::stable_sort(countries.begin(), countries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [pos, code] : countries) {
    if (std::find(out.countries.begin(), out.countries.end(), code) == out.countries.end()) {
      out.countries.push_back(std::move(code));
    }
  }
  return out;
}

}  // namespace shop::supportbot
