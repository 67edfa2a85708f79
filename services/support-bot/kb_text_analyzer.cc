// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/kb_text_analyzer.h"

#include <libstemmer.h>

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "services/support-bot/porter_stemmer.h"

namespace shop::supportbot {
namespace {

// Function words and chat filler. Contractions appear without their apostrophe, as the
// tokenizer writes them. "us" is here: "US" in capitals is turned into "usa" before.
constexpr const char* kStopWords[] = {
    "a",       "about",   "above",   "after",     "again",      "against",  "all",    "also",
    "am",      "an",      "and",     "any",       "anyone",     "anything", "are",    "arent",
    "as",      "at",      "be",      "because",   "been",       "before",   "being",  "below",
    "between", "both",    "but",     "by",        "can",        "cannot",   "cant",   "could",
    "couldnt", "did",     "didnt",   "do",        "does",       "doesnt",   "doing",  "dont",
    "down",    "during",  "each",    "either",    "else",       "etc",      "even",   "ever",
    "every",   "few",     "for",     "from",      "further",    "had",      "hadnt",  "has",
    "hasnt",   "have",    "havent",  "having",    "he",         "hello",    "her",    "here",
    "hers",    "herself", "hey",     "hi",        "him",        "himself",  "his",    "how",
    "i",       "id",      "if",      "ill",       "im",         "in",       "into",   "is",
    "isnt",    "it",      "its",     "itself",    "ive",        "just",     "know",   "let",
    "lets",    "me",      "might",   "more",      "most",       "much",     "many",   "must",
    "my",      "myself",  "need",    "needs",     "no",         "nor",      "not",    "now",
    "of",      "off",     "ok",      "okay",      "on",         "once",     "one",    "only",
    "or",      "other",   "our",     "ours",      "ourselves",  "out",      "over",   "own",
    "please",  "pls",     "really",  "same",      "shall",      "she",      "should", "shouldnt",
    "so",      "some",    "someone", "something", "still",      "such",     "than",   "thank",
    "thanks",  "that",    "thats",   "the",       "their",      "theirs",   "them",   "themselves",
    "then",    "there",   "theres",  "these",     "they",       "theyre",   "this",   "those",
    "through", "thx",     "to",      "too",       "u",          "under",    "until",  "up",
    "ur",      "us",      "very",    "want",      "wanna",      "was",      "wasnt",  "way",
    "we",      "were",    "werent",  "what",      "whats",      "when",     "where",  "wheres",
    "whether", "which",   "while",   "who",       "whom",       "why",      "will",   "with",
    "wont",    "would",   "wouldnt", "yes",       "yet",        "you",      "youd",   "youll",
    "your",    "youre",   "yours",   "yourself",  "yourselves", "youve"};

// A replacement and the phrases customers use for it. Phrases are written as words; they are
// matched on stems, so "package" also covers "packages". A replacement that repeats a word
// of its phrase keeps it and adds the common term ("gst" -> "gst vat"): used where the
// specific word still tells articles apart.
struct SynonymGroup {
  const char* replacement;
  std::vector<const char*> phrases;
};

const std::vector<SynonymGroup>& SynonymTable() {
  static const auto* table = new std::vector<SynonymGroup>{
      // --- what is sent and how ---
      {"parcel", {"package", "packet", "shipment", "consignment"}},
      {"parcel", {"pakket", "paket", "colis"}},
      {"shipping fee", {"postage", "shipping and handling", "delivery charge", "shipping charge"}},
      {"fee", {"cost", "expense", "how much"}},
      {"express",
       {"expedited", "next day", "overnight", "fast shipping", "faster shipping", "fast delivery",
        "faster delivery", "quick delivery", "priority shipping", "rush delivery"}},
      {"standard delivery",
       {"regular shipping", "normal shipping", "regular delivery", "normal delivery",
        "economy shipping", "slow shipping"}},
      {"business days", {"working days", "workdays", "work days"}},
      {"cutoff", {"cut off", "order deadline"}},
      {"time", {"how long", "how many days", "how soon"}},
      {"estimated delivery", {"eta", "expected delivery", "arrival date", "delivery date"}},
      {"carrier",
       {"courier", "delivery company", "shipping company", "postal service", "mailman", "postman",
        "delivery driver", "delivery guy", "delivery man"}},
      {"fedex carrier", {"fedex"}},
      {"usps carrier", {"usps"}},
      {"royal mail carrier", {"royal mail"}},
      {"gls carrier", {"gls"}},
      {"dpd carrier", {"dpd"}},
      {"tnt carrier", {"tnt"}},
      {"hermes carrier", {"hermes", "evri"}},
      {"pickup", {"pick up", "pick-up"}},
      {"pickup point",
       {"collection point", "collect point", "parcel shop", "parcelshop", "service point",
        "access point", "parcel point"}},
      {"missed delivery",
       {"not home", "not at home", "wasnt home", "wasnt at home", "was not home", "nobody home",
        "nobody was home", "no one home", "no one was home"}},
      {"delivery attempt", {"attempted delivery", "tried to deliver", "delivery tried"}},

      // --- customs and taxes ---
      {"customs duty",
       {"customs fee", "customs charge", "customs cost", "customs tax", "customs bill",
        "clearance charge"}},
      {"import duty vat", {"import tax", "import fee", "import charge", "import cost"}},
      {"duty", {"duties and taxes"}},
      {"tariff duty", {"tariff"}},
      {"tariff code", {"hs code", "commodity code", "harmonized code", "harmonised code"}},
      // Not "moms" or "btw": synonyms match stems, and those would also catch "mom" and
      // "by the way".
      {"vat", {"tax", "value added tax", "mwst", "ust", "iva", "tva", "dph", "alv"}},
      {"sales vat", {"sales tax"}},
      {"gst vat", {"gst", "goods and services tax"}},
      {"hst vat", {"hst"}},
      {"vat number",
       {"vat id", "tax id", "tax number", "vat registration number", "vat reg number",
        "tax registration number", "ust idnr", "vat no"}},
      {"vat free",
       {"tax free", "tax exempt", "vat exempt", "without vat", "without tax", "excluding vat",
        "excl vat", "ex vat"}},
      {"business",
       {"company", "firm", "b2b", "corporate", "ltd", "gmbh", "llc", "sarl", "self employed",
        "freelancer", "sole trader"}},

      // --- places ---
      {"usa",
       {"united states", "united states of america", "u s", "u s a", "america", "american",
        "the us"}},
      {"california usa", {"california"}},
      {"texas usa", {"texas"}},
      {"florida usa", {"florida"}},
      {"new york usa", {"new york"}},
      {"canada", {"canadian"}},
      {"ontario canada", {"ontario"}},
      {"quebec canada", {"quebec"}},
      {"british columbia canada", {"british columbia"}},
      {"alberta canada", {"alberta"}},
      {"uk", {"united kingdom", "u k", "britain", "great britain", "gb", "british"}},
      {"england uk", {"england"}},
      {"scotland uk", {"scotland", "scottish"}},
      {"wales uk", {"wales", "welsh"}},
      {"london uk", {"london"}},
      {"northern ireland", {"northern ireland", "ni"}},
      {"eu", {"european union", "europe", "european"}},
      {"austria eu", {"austria", "austrian"}},
      {"belgium eu", {"belgium", "belgian"}},
      {"bulgaria eu", {"bulgaria", "bulgarian"}},
      {"croatia eu", {"croatia", "croatian"}},
      {"cyprus eu", {"cyprus"}},
      {"czechia eu", {"czechia", "czech republic", "czech"}},
      {"denmark eu", {"denmark", "danish"}},
      {"estonia eu", {"estonia"}},
      {"finland eu", {"finland"}},
      {"france eu", {"france", "french"}},
      {"germany eu", {"germany", "german", "deutschland"}},
      {"greece eu", {"greece"}},
      {"hungary eu", {"hungary", "hungarian"}},
      {"ireland eu", {"ireland", "irish", "republic of ireland"}},
      {"italy eu", {"italy", "italian"}},
      {"latvia eu", {"latvia"}},
      {"lithuania eu", {"lithuania"}},
      {"luxembourg eu", {"luxembourg"}},
      {"malta eu", {"malta"}},
      {"netherlands eu", {"netherlands", "holland", "dutch"}},
      {"poland eu", {"poland"}},
      {"portugal eu", {"portugal", "portuguese"}},
      {"romania eu", {"romania", "romanian"}},
      {"slovakia eu", {"slovakia"}},
      {"slovenia eu", {"slovenia"}},
      {"spain eu", {"spain", "spanish"}},
      {"sweden eu", {"sweden", "swedish"}},
      {"switzerland", {"swiss", "schweiz", "suisse"}},
      {"norway", {"norwegian", "norge"}},
      {"australia", {"australian", "aussie"}},
      {"new zealand", {"nz"}},
      {"japan asia", {"japan", "japanese"}},
      {"korea asia", {"korea", "south korea", "korean"}},
      {"singapore asia", {"singapore"}},
      {"hong kong asia", {"hong kong", "hk"}},
      {"taiwan asia", {"taiwan", "taiwanese"}},
      {"international",
       {"abroad", "overseas", "worldwide", "foreign country", "another country",
        "other countries"}},

      // --- money ---
      {"eur", {"euro", "euros"}},
      {"usd dollar", {"dollar", "us dollar", "usa dollar"}},
      {"cad dollar", {"canadian dollar"}},
      {"aud dollar", {"australian dollar"}},
      {"nzd dollar", {"nz dollar", "new zealand dollar"}},
      {"gbp", {"pound", "sterling", "quid", "british pound"}},
      {"chf", {"swiss franc"}},
      {"jpy", {"yen", "japanese yen"}},
      {"nok", {"krone", "kroner", "norwegian krone"}},
      {"exchangerate",
       {"exchange rate", "conversion rate", "currency rate", "fx rate", "forex rate",
        "rate of exchange"}},
      {"dynamic currency conversion", {"dcc"}},
      {"foreign transaction fee",
       {"foreign fee", "international fee", "fx fee", "cross border fee", "overseas fee"}},
      {"refund",
       {"money back", "my money back", "my money", "reimburse", "reimbursement", "repay",
        "pay back", "paid back", "credit back", "credited back"}},
      {"card", {"credit card", "debit card", "bank card"}},
      {"visa card", {"visa"}},
      {"mastercard card", {"mastercard", "master card"}},
      {"amex card", {"amex", "american express"}},
      {"paypal", {"pay pal"}},
      {"apple pay", {"applepay"}},
      {"google pay", {"gpay", "googlepay"}},
      {"cash on delivery", {"cod", "pay cash"}},
      {"bank transfer", {"wire transfer", "wire", "bank wire"}},
      {"crypto", {"bitcoin", "cryptocurrency", "ethereum"}},
      {"pay later", {"bnpl", "afterpay"}},
      {"instalment", {"installment", "pay in parts", "monthly payments"}},
      {"decline", {"reject", "denied", "deny"}},
      {"fail",
       {"didnt go through", "doesnt go through", "wont go through", "not go through",
        "not going through", "did not go through", "does not go through", "bounced"}},
      {"charged twice",
       {"double charged", "double charge", "charged two times", "billed twice", "paid twice",
        "charged double", "two charges"}},
      {"3ds",
       {"3d secure", "3 d secure", "3dsecure", "verified by visa", "securecode",
        "mastercard identity check"}},
      {"verification code", {"otp", "one time password", "one time code", "text code"}},
      {"security code card", {"cvv", "cvc", "cvv2", "card security code"}},
      {"payment methods",
       {"payment options", "ways to pay", "payment types", "pay with", "pay by"}},
      {"expire", {"expiry", "expiration"}},
      {"hold", {"frozen", "blocked amount", "blocked money"}},
      {"sms", {"text message", "text messages"}},
      {"insufficient funds", {"not enough money", "no money on card"}},

      // --- orders and problems ---
      {"order", {"purchase"}},
      // Not "goods": its stem is "good".
      {"item", {"product", "merchandise", "stuff", "thing"}},
      {"tracking number",
       {"tracking code", "tracking id", "tracking link", "track and trace", "tracking info",
        "tracking information"}},
      {"delay", {"late", "overdue", "taking forever", "taking so long", "taking too long"}},
      {"never arrive",
       {"not received", "didnt arrive", "hasnt arrived", "not arrived", "never came", "never got",
        "never received", "didnt receive", "didnt get", "did not arrive", "has not arrived",
        "did not receive", "havent received", "have not received", "not arrive"}},
      {"damaged", {"smashed", "crushed", "cracked", "dented", "shattered", "scratched"}},
      {"wrong item", {"not what i ordered", "different item", "wrong product"}},
      {"several parcels",
       {"separate parcels", "separately", "multiple parcels", "several boxes", "separate boxes",
        "partial shipment"}},
      {"stuck", {"not moving", "hasnt moved", "has not moved", "no movement", "no progress"}},
      {"delivered but not received",
       {"says delivered", "shows delivered", "marked delivered", "marked as delivered",
        "status delivered"}},
      {"change", {"modify", "alter", "amend", "edit"}},
      {"redirect", {"reroute", "re route", "forward"}},
      {"photo", {"picture", "pic", "image"}},
      {"refuse",
       {"reject delivery", "reject parcel", "reject package", "decline delivery", "decline parcel",
        "decline package", "not accept delivery", "send it back unopened"}},
      {"scam",
       {"phishing", "fraudulent", "fake text", "fake sms", "fake email", "suspicious message"}},
      {"peak season", {"christmas", "xmas", "black friday", "holiday season", "cyber monday"}},
      {"weekend", {"saturday", "sunday"}},
      {"rebook", {"redeliver", "redelivery", "deliver again", "reschedule"}},
      {"basket", {"cart", "shopping cart", "shopping bag"}},
      {"discount", {"coupon", "promo code", "discount code", "voucher code"}},
      {"neighbour", {"neighbor"}},
      {"faulty",
       {"defective", "defect", "malfunction", "doesnt work", "does not work", "not working",
        "stopped working", "dont work", "broke", "died"}},
      {"guarantee", {"warranty", "guaranty"}},
      {"repair", {"fix"}},
      {"wrong", {"incorrect"}},
      {"missing", {"incomplete"}},
      {"leak", {"spill"}},
      {"cancel", {"call off", "abort", "revoke"}},
      {"return",
       {"send back", "send it back", "send them back", "ship back", "ship it back", "post back",
        "mail back", "give back", "bring back", "rma"}},
      {"exchange", {"swap"}},
      {"return window",
       {"return period", "return deadline", "returns period", "return time limit"}},
      {"print", {"printer"}},
      {"drop", {"dropoff"}},
      {"non returnable", {"final sale", "nonreturnable", "not returnable"}},
      {"deduction", {"restocking fee", "restocking"}},
      {"size",
       {"too small", "too big", "too large", "too tight", "too loose", "doesnt fit", "dont fit",
        "does not fit"}},
      {"colour", {"color"}},
      {"invoice", {"receipt", "bill"}},

      // --- addresses ---
      {"postcode", {"zip", "zip code", "zipcode", "postal code", "post code", "eircode"}},
      {"pobox", {"po box", "p o box", "post office box", "postbox", "post box", "pob"}},
      {"apartment", {"apt", "suite"}},
      {"apartment number", {"flat number", "unit number", "apartment no", "apt no"}},
      {"door code", {"buzzer", "intercom", "gate code", "access code", "entry code"}},
      {"house number", {"street number", "building number"}},
      {"packstation locker", {"packstation", "paketstation", "dhl locker"}},
      {"military", {"army", "army base", "military base", "navy", "air force"}},
      {"apo military", {"apo"}},
      {"fpo military", {"fpo"}},
      {"dpo military", {"dpo"}},
      {"non latin characters",
       {"kanji", "hiragana", "katakana", "hangul", "chinese characters", "arabic script",
        "special characters"}},
      {"letterbox", {"mailbox", "mail slot", "letter box"}},
      {"reception", {"concierge", "front desk", "doorman"}},
      {"c o", {"care of"}},
      {"characters limit",
       {"character limit", "too many characters", "max characters", "maximum characters"}},
      {"country code", {"dialing code", "dialling code", "area code", "international prefix"}},
      {"latin", {"english letters", "english characters", "roman letters", "roman alphabet"}},
      {"phone", {"mobile", "cell", "cellphone", "telephone", "tel", "mobile phone", "cell phone"}},

      // --- account and privacy ---
      {"login", {"log in", "sign in", "signin", "log on", "logon", "sign on"}},
      {"register", {"sign up", "signup", "registration", "enroll", "enrol"}},
      {"password", {"passwd", "pwd", "pass word", "passcode"}},
      {"forgot", {"forgotten", "forget", "cant remember", "dont remember"}},
      {"locked",
       {"locked out", "lockout", "lock out", "too many attempts", "failed attempts",
        "too many tries"}},
      {"spam folder", {"spam folder", "junk folder", "junk mail", "junk"}},
      {"account", {"profile", "user account", "customer account"}},
      {"email", {"e mail", "mail address", "e mail address"}},
      {"guest",
       {"without account", "without an account", "without registering", "without signing up",
        "no account"}},
      {"confirm", {"activate", "activation", "verify email"}},
      {"minimum age",
       {"how old", "old enough", "underage", "under age", "under 18", "under 16", "teenager"}},
      {"delete", {"erase", "erasure", "wipe", "remove", "deactivate", "terminate"}},
      {"right erasure delete", {"right to be forgotten"}},
      {"data export", {"sar", "dsar", "data request", "data you hold", "data you have"}},
      {"cookie banner", {"cookie popup", "cookie pop up", "cookie notice"}},
      {"personal data",
       {"personal information", "personal info", "my info", "my information", "my details",
        "personal details"}},
      {"gdpr", {"dsgvo", "rgpd", "data protection"}},
      {"unsubscribe",
       {"opt out", "optout", "unsub", "stop emails", "stop sending", "stop texts",
        "stop messages"}},
      {"marketing", {"spam", "promo", "promotion", "promotional", "advertising", "ads"}},
      {"chat", {"conversation", "chatbot", "bot"}},
      {"chat transcript", {"transcript"}},

      // --- products with restrictions ---
      {"power bank", {"powerbank", "portable charger", "battery pack"}},
      {"lithium", {"li ion", "lithium ion", "lipo", "li po"}},
      {"perfume",
       {"fragrance", "cologne", "eau de parfum", "eau de toilette", "parfum", "scent",
        "aftershave"}},
      {"aerosol spray", {"hairspray", "hair spray", "spray can", "deodorant"}},
      {"nail polish", {"nail varnish", "nail lacquer"}},
      {"nail polish remover", {"acetone"}},
      {"cbd hemp", {"cannabis", "thc", "marijuana", "weed"}},
      {"vape",
       {"vaping", "e cigarette", "e cig", "ecig", "vaporizer", "juul", "electronic cigarette"}},
      {"supplements", {"vitamin", "protein powder"}},
      {"medicine", {"medication", "pharmaceutical", "pills", "prescription"}},
      {"knife", {"knives", "blade", "sword", "dagger"}},
      {"multi tool knife", {"multitool", "pocket knife", "penknife"}},
      {"dangerous goods", {"hazardous", "hazmat"}},
      {"nicotine", {"tobacco", "cigarette", "cigar", "snus"}},
      {"weapons", {"gun", "firearm", "ammo", "taser", "stun gun"}},
      {"alcoholic drinks",
       {"wine", "beer", "spirits", "whisky", "whiskey", "vodka", "liquor", "booze"}},
      {"wood", {"wooden"}},
      {"rattan", {"wicker"}},
      {"seeds plant", {"bulbs", "cuttings"}},
      {"cosmetics",
       {"makeup", "make up", "cosmetic", "lipstick", "mascara", "skincare", "skin care"}},
      {"underwear hygiene", {"underwear", "lingerie"}},
      {"swimwear hygiene", {"swimwear", "swimsuit", "bikini", "swimming costume"}},
      {"personalised", {"customize", "customization", "custom made", "monogram", "personalized"}},
      {"gift card", {"gift voucher", "voucher", "gift certificate", "e gift card", "egift"}},
  };
  return *table;
}

// Irregular forms and spelling variants, mapped to the word Porter should see.
const std::unordered_map<std::string, std::string>& BaseForms() {
  static const auto* forms =
      new std::unordered_map<std::string, std::string>{{"sent", "send"},
                                                       {"paid", "pay"},
                                                       {"bought", "buy"},
                                                       {"got", "get"},
                                                       {"gotten", "get"},
                                                       {"took", "take"},
                                                       {"taken", "take"},
                                                       {"gave", "give"},
                                                       {"given", "give"},
                                                       {"came", "come"},
                                                       {"went", "go"},
                                                       {"gone", "go"},
                                                       {"made", "make"},
                                                       {"chose", "choose"},
                                                       {"chosen", "choose"},
                                                       {"broken", "broken"},
                                                       {"lost", "lose"},
                                                       {"left", "leave"},
                                                       {"delivery", "deliver"},
                                                       {"deliveries", "deliver"},
                                                       {"colour", "color"},
                                                       {"colours", "colors"},
                                                       {"coloured", "colored"},
                                                       {"favourite", "favorite"},
                                                       {"catalogue", "catalog"},
                                                       {"jewellery", "jewelry"},
                                                       {"centre", "center"},
                                                       {"cheque", "check"},
                                                       {"cancelation", "cancellation"}};
  return *forms;
}

// Words whose Porter stem would collide with a different word: "customer" and
// "customize" both stem to "custom", the stem of "customs"; "packaging" to "packag", the
// stem of "package" (a synonym of parcel).
const std::unordered_map<std::string, std::string>& ProtectedStems() {
  static const auto* stems = new std::unordered_map<std::string, std::string>{
      {"customer", "customer"},       {"customers", "customer"},     {"packaging", "packaging"},
      {"packagings", "packaging"},    {"customize", "customiz"},     {"customise", "customiz"},
      {"customized", "customiz"},     {"customised", "customiz"},    {"customizing", "customiz"},
      {"customising", "customiz"},    {"customization", "customiz"}, {"customisation", "customiz"},
      {"customizations", "customiz"}, {"customisations", "customiz"}};
  return *stems;
}

// British -ise spellings to -ize, so "personalised" and "personalized" share a stem.
std::string FoldBritishSpelling(std::string word) {
  static constexpr std::pair<const char*, const char*> kSuffixes[] = {
      {"isations", "izations"}, {"isation", "ization"}, {"isers", "izers"}, {"iser", "izer"},
      {"ising", "izing"},       {"ised", "ized"},       {"ises", "izes"},   {"ise", "ize"}};
  for (const auto& [from, to] : kSuffixes) {
    const size_t from_len = std::char_traits<char>::length(from);
    // At least three letters before the suffix: "rise" and "noise" stay.
    if (word.size() >= from_len + 3 && absl::EndsWith(word, from)) {
      word.replace(word.size() - from_len, from_len, to);
      return word;
    }
  }
  return word;
}

bool IsWordByte(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch >= 0x80;
}

bool IsDigit(char ch) { return ch >= '0' && ch <= '9'; }

// Currency symbols to codes, before splitting.
std::string ReplaceSymbols(absl::string_view text) {
  static constexpr std::pair<const char*, const char*> kSymbols[] = {
      {"\xE2\x82\xAC", " eur "},
      {"\xC2\xA3", " gbp "},
      {"\xC2\xA5", " jpy "},
      {"$", " usd "},
      {"\xE2\x80\x99", "'"}};  // the typographic apostrophe as a plain one
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    for (const auto& [symbol, code] : kSymbols) {
      if (absl::StartsWith(text.substr(i), symbol)) {
        out += code;
        i += std::char_traits<char>::length(symbol);
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

// Stop words of the other languages, written without accents: they are compared with the
// folded word, so "très" and "tres" are both stop words.
const std::unordered_map<std::string, std::unordered_set<std::string>>& ForeignStopWords() {
  static const auto* lists = new std::unordered_map<std::string, std::unordered_set<std::string>>{
      {"de",
       {"aber",   "alle",   "als",    "also",  "am",   "an",     "auch",  "auf",  "aus",   "bei",
        "bin",    "bis",    "bitte",  "da",    "dann", "das",    "dass",  "dem",  "den",   "der",
        "des",    "die",    "dies",   "diese", "doch", "du",     "durch", "ein",  "eine",  "einem",
        "einen",  "einer",  "eines",  "er",    "es",   "euch",   "euer",  "eure", "fur",   "hab",
        "habe",   "haben",  "hallo",  "hat",   "hier", "ich",    "ihr",   "ihre", "ihren", "im",
        "in",     "ist",    "ja",     "jetzt", "kann", "konnen", "konnt", "man",  "mein",  "meine",
        "meinem", "meinen", "meiner", "mich",  "mir",  "mit",    "muss",  "nach", "nicht", "noch",
        "nur",    "ob",     "oder",   "schon", "sein", "sie",    "sind",  "so",   "uber",  "um",
        "und",    "uns",    "unser",  "von",   "vor",  "war",    "was",   "wenn", "wer",   "wie",
        "wir",    "wird",   "wo",     "zu",    "zum",  "zur",    "guten", "tag",  "danke", "gibt",
        "welche"}},
      {"fr",
       {"a",    "ai",   "au",    "aux",     "avec",   "avez", "avoir", "bonjour", "ce",    "cela",
        "ces",  "cet",  "cette", "comment", "dans",   "de",   "des",   "du",      "elle",  "en",
        "est",  "et",   "etre",  "il",      "ils",    "j",    "je",    "l",       "la",    "le",
        "les",  "leur", "lui",   "m",       "ma",     "mais", "me",    "merci",   "mes",   "moi",
        "mon",  "n",    "ne",    "nous",    "on",     "ou",   "par",   "pas",     "peut",  "peux",
        "pour", "qu",   "que",   "quel",    "quelle", "qui",  "s",     "sa",      "se",    "ses",
        "si",   "son",  "sont",  "sur",     "t",      "ta",   "te",    "tes",     "toi",   "ton",
        "tu",   "un",   "une",   "vos",     "votre",  "vous", "y",     "svp",     "plait", "faut",
        "puis", "ca",   "c",     "d"}},
      {"es",
       {"a",      "al",     "algo",  "como",    "con",      "cual",  "cuales", "de",    "del",
        "el",     "ella",   "en",    "es",      "esta",     "este",  "esto",   "estoy", "gracias",
        "ha",     "hay",    "he",    "hola",    "la",       "las",   "le",     "les",   "lo",
        "los",    "me",     "mi",    "mis",     "mucho",    "muy",   "nos",    "o",     "os",
        "para",   "pero",   "por",   "porque",  "puedo",    "puede", "que",    "se",    "si",
        "sin",    "su",     "sus",   "te",      "tengo",    "tiene", "tu",     "tus",   "un",
        "una",    "uno",    "usted", "ustedes", "vosotros", "y",     "ya",     "yo",    "favor",
        "buenas", "buenos", "dias",  "quiero",  "quisiera", "hacer"}},
  };
  return *lists;
}

// Snowball's name of each language.
const std::unordered_map<std::string, std::string>& SnowballNames() {
  static const auto* names = new std::unordered_map<std::string, std::string>{
      {"de", "german"}, {"fr", "french"}, {"es", "spanish"}};
  return *names;
}

// The two-byte UTF-8 letters of Latin-1 (U+00C0..U+00FF) without their marks, lower case;
// anything else is kept.
std::string FoldToAscii(absl::string_view word) {
  static constexpr const char* kFold[64] = {
      "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",
      "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",
      "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",
      "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "y"};
  // (nullptr: U+00D7 and U+00F7, the signs x and / of Latin-1, are not letters: kept.)
  std::string out;
  out.reserve(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(word[i]);
    if (ch == 0xC3 && i + 1 < word.size()) {
      const unsigned char next = static_cast<unsigned char>(word[i + 1]);
      if (next >= 0x80 && next <= 0xBF && kFold[next - 0x80] != nullptr) {
        out += kFold[next - 0x80];
        ++i;
        continue;
      }
    }
    out += static_cast<char>(ch);
  }
  return out;
}

// German written without umlauts: "rueckerstattung" is "rückerstattung". Applied to
// folded stems of articles and questions alike, so both spellings meet.
std::string FoldGermanDigraphs(std::string word) {
  std::string out;
  out.reserve(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    out += word[i];
    if (i + 1 < word.size() && word[i + 1] == 'e' &&
        (word[i] == 'a' || word[i] == 'o' || word[i] == 'u') &&
        !(word[i] == 'u' && i > 0 && (word[i - 1] == 'e' || word[i - 1] == 'q'))) {
      ++i;  // "ae" -> "a", "oe" -> "o", "ue" -> "u" (not in "eue", "que")
    }
  }
  return out;
}

}  // namespace

struct KbTextAnalyzer::Snowball {
  absl::Mutex mu;  // a sb_stemmer keeps state between calls
  sb_stemmer* stemmer ABSL_GUARDED_BY(mu) = nullptr;
};

const std::vector<std::string>& KbTextAnalyzer::SupportedKbLanguages() {
  static const auto* languages = new std::vector<std::string>{"de", "fr", "es"};
  return *languages;
}

KbTextAnalyzer::~KbTextAnalyzer() {
  if (snowball_ != nullptr && snowball_->stemmer != nullptr) sb_stemmer_delete(snowball_->stemmer);
}

std::string KbTextAnalyzer::Stem(absl::string_view word) const {
  if (snowball_ == nullptr) return KbStem(word);
  std::string stem;
  {
    absl::MutexLock lock(&snowball_->mu);
    const sb_symbol* out =
        sb_stemmer_stem(snowball_->stemmer, reinterpret_cast<const sb_symbol*>(word.data()),
                        static_cast<int>(word.size()));
    if (out == nullptr) return std::string(word);  // out of memory: the word itself
    stem.assign(reinterpret_cast<const char*>(out), sb_stemmer_length(snowball_->stemmer));
  }
  stem = FoldToAscii(stem);
  return language_ == "de" ? FoldGermanDigraphs(std::move(stem)) : stem;
}

std::string KbStem(absl::string_view word) {
  const std::string key(word);
  const auto& protected_stems = ProtectedStems();
  if (auto it = protected_stems.find(key); it != protected_stems.end()) return it->second;
  const auto& base_forms = BaseForms();
  if (auto it = base_forms.find(key); it != base_forms.end()) return PorterStem(it->second);
  return PorterStem(FoldBritishSpelling(key));
}

KbTextAnalyzer::KbTextAnalyzer(bool synonyms, std::string language)
    : synonyms_(synonyms), language_(std::move(language)) {
  if (language_ != "en") {
    // No synonym table in these languages; an unknown language falls back to English
    // rules only through the caller's mistake, so it is refused loudly in KnowledgeBase.
    synonyms_ = false;
    const auto name = SnowballNames().find(language_);
    if (name != SnowballNames().end()) {
      snowball_ = std::make_unique<Snowball>();
      absl::MutexLock lock(&snowball_->mu);
      snowball_->stemmer = sb_stemmer_new(name->second.c_str(), "UTF_8");
      if (snowball_->stemmer == nullptr) snowball_.reset();
    }
    return;
  }
  std::unordered_set<std::string> seen_words;
  for (const SynonymGroup& group : SynonymTable()) {
    std::vector<std::string> replacement;
    for (const KbToken& token : Tokenize(group.replacement)) {
      if (!IsStopWord(token.word)) replacement.push_back(KbStem(token.word));
    }
    for (const char* phrase : group.phrases) {
      Rule rule;
      for (const KbToken& token : Tokenize(phrase)) {
        rule.stems.push_back(KbStem(token.word));
        if (seen_words.insert(token.word).second) synonym_words_.push_back(token.word);
      }
      if (rule.stems.empty()) continue;
      rule.replacement = replacement;
      rules_[rule.stems.front()].push_back(std::move(rule));
    }
  }
  for (auto& [first, rules] : rules_) {
    std::stable_sort(rules.begin(), rules.end(),
                     [](const Rule& a, const Rule& b) { return a.stems.size() > b.stems.size(); });
  }
}

bool KbTextAnalyzer::IsStopWord(absl::string_view word) const {
  if (language_ != "en") {
    const auto list = ForeignStopWords().find(language_);
    return list != ForeignStopWords().end() && list->second.count(FoldToAscii(word)) > 0;
  }
  static const auto* stop_words = [] {
    auto* set = new std::unordered_set<std::string>();
    for (const char* word : kStopWords) set->insert(word);
    return set;
  }();
  return stop_words->count(std::string(word)) > 0;
}

std::vector<KbToken> KbTextAnalyzer::Tokenize(absl::string_view text) const {
  const std::string clean = ReplaceSymbols(text);
  std::vector<KbToken> tokens;
  size_t i = 0;
  while (i < clean.size()) {
    if (!IsWordByte(static_cast<unsigned char>(clean[i]))) {
      ++i;
      continue;
    }
    std::string original;
    while (i < clean.size()) {
      const char ch = clean[i];
      if (IsWordByte(static_cast<unsigned char>(ch))) {
        original += ch;
        ++i;
      } else if ((ch == ',' || ch == '.') && !original.empty() && IsDigit(original.back()) &&
                 i + 1 < clean.size() && IsDigit(clean[i + 1])) {
        // "1,000" -> "1000"; "8.1" stays "8.1".
        if (ch == '.') original += ch;
        ++i;
      } else if (ch == '\'' && i + 1 < clean.size() &&
                 IsWordByte(static_cast<unsigned char>(clean[i + 1]))) {
        // Possessive "'s" is dropped; "don't" -> "dont".
        const bool possessive =
            (clean[i + 1] == 's' || clean[i + 1] == 'S') &&
            (i + 2 >= clean.size() || !IsWordByte(static_cast<unsigned char>(clean[i + 2])));
        i += possessive ? 2 : 1;
        if (possessive) break;
      } else {
        break;
      }
    }
    if (original == "US") {
      tokens.push_back({"usa"});
      continue;
    }
    std::string word = original;
    for (size_t k = 0; k < word.size(); ++k) {
      char& ch = word[k];
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      // Outside English: the capitals of Latin-1 too ("Ä" -> "ä"; U+00C0..U+00DE but x).
      // Only before a continuation byte: after a stray 0xC3 the next byte is a character of
      // its own (and an ASCII capital there is lower-cased like any other).
      if (language_ != "en" && static_cast<unsigned char>(ch) == 0xC3 && k + 1 < word.size() &&
          (static_cast<unsigned char>(word[k + 1]) & 0xC0) == 0x80) {
        unsigned char& next = reinterpret_cast<unsigned char&>(word[k + 1]);
        if (next <= 0x9E && next != 0x97) next = static_cast<unsigned char>(next + 0x20);
        ++k;
      }
    }
    tokens.push_back({std::move(word)});
  }
  return tokens;
}

std::vector<KbTerm> KbTextAnalyzer::Terms(const std::vector<KbToken>& tokens) const {
  std::vector<std::string> stems;
  stems.reserve(tokens.size());
  for (const KbToken& token : tokens) stems.push_back(Stem(token.word));

  std::vector<KbTerm> terms;
  size_t i = 0;
  while (i < tokens.size()) {
    const Rule* matched = nullptr;
    if (synonyms_) {
      if (auto it = rules_.find(stems[i]); it != rules_.end()) {
        for (const Rule& rule : it->second) {
          if (i + rule.stems.size() > stems.size()) continue;
          if (std::equal(rule.stems.begin(), rule.stems.end(), stems.begin() + i)) {
            matched = &rule;
            break;
          }
        }
      }
    }
    if (matched != nullptr) {
      double weight = 1.0;
      for (size_t j = i; j < i + matched->stems.size(); ++j) {
        weight = std::min(weight, tokens[j].weight);
      }
      for (const std::string& stem : matched->replacement) terms.push_back({stem, weight});
      i += matched->stems.size();
      continue;
    }
    if (!IsStopWord(tokens[i].word)) terms.push_back({stems[i], tokens[i].weight});
    ++i;
  }
  return terms;
}

}  // namespace shop::supportbot
