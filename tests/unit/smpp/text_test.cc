// Short-message text: the GSM 03.38 tables from 3GPP TS 23.038, UDH and SAR concatenation, and
// receipts in the shapes SMSCs actually send them.
#include "smpp/text.h"

#include <gtest/gtest.h>

#include <string>

#include "core/segments.h"
#include "core/utf8.h"

namespace sb::smpp {
namespace {

std::string octets(std::initializer_list<int> v) {
  std::string out;
  for (int b : v) out.push_back(static_cast<char>(b));
  return out;
}

TEST(SmppText, Gsm7DefaultAlphabetPositions) {
  // TS 23.038 6.2.1: the positions that differ from ASCII.
  EXPECT_EQ(encode_gsm7("@"), octets({0x00}));
  EXPECT_EQ(encode_gsm7("£"), octets({0x01}));
  EXPECT_EQ(encode_gsm7("$"), octets({0x02}));
  EXPECT_EQ(encode_gsm7("_"), octets({0x11}));
  EXPECT_EQ(encode_gsm7("¤"), octets({0x24}));
  EXPECT_EQ(encode_gsm7("¡"), octets({0x40}));
  EXPECT_EQ(encode_gsm7("¿"), octets({0x60}));
  EXPECT_EQ(encode_gsm7("à"), octets({0x7F}));
  EXPECT_EQ(encode_gsm7("Ξ"), octets({0x1A}));
  EXPECT_EQ(encode_gsm7("É"), octets({0x1F}));
  EXPECT_EQ(encode_gsm7("Hi\n"), "Hi\n");
  EXPECT_EQ(decode_text(octets({0x00, 0x02, 0x11, 0x24, 0x40, 0x60}), Alphabet::kGsm7), "@$_¤¡¿");
}

TEST(SmppText, Gsm7ExtensionTable) {
  EXPECT_EQ(encode_gsm7("€"), octets({0x1B, 0x65}));
  EXPECT_EQ(encode_gsm7("^{}\\[~]|\f"),
            octets({0x1B, 0x14, 0x1B, 0x28, 0x1B, 0x29, 0x1B, 0x2F, 0x1B, 0x3C, 0x1B, 0x3D, 0x1B,
                    0x3E, 0x1B, 0x40, 0x1B, 0x0A}));
  const std::string text = "Price: 5€ [50% off] {code} ~a|b^c\\d";
  const auto enc = encode_gsm7(text);
  ASSERT_TRUE(enc);
  EXPECT_EQ(decode_text(*enc, Alphabet::kGsm7), text);
}

TEST(SmppText, Gsm7RoundTripsTheWholeAlphabet) {
  const std::string all =
      "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
      "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  const auto enc = encode_gsm7(all);
  ASSERT_TRUE(enc);
  ASSERT_EQ(enc->size(), 127u);
  for (size_t i = 0; i < enc->size(); ++i) {
    EXPECT_EQ(static_cast<unsigned char>((*enc)[i]), i < 0x1B ? i : i + 1);
  }
  EXPECT_EQ(decode_text(*enc, Alphabet::kGsm7), all);
}

TEST(SmppText, Gsm7AgreesWithTheSegmentCounter) {
  // core's gsm7_cost decides GSM-7 vs UCS-2 before a message is sent; the encoder must agree.
  for (char32_t cp = 0; cp < 0x3000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    std::string s;
    utf8::append(s, cp);
    const auto enc = encode_gsm7(s);
    EXPECT_EQ(enc.has_value(), gsm7_cost(cp) != 0) << "U+" << std::hex << static_cast<int>(cp);
    if (enc) {
      EXPECT_EQ(static_cast<int>(enc->size()), gsm7_cost(cp));
    }
  }
}

TEST(SmppText, Gsm7RefusesWhatItCannotCarry) {
  EXPECT_EQ(encode_gsm7("`"), std::nullopt);
  EXPECT_EQ(encode_gsm7("日本"), std::nullopt);
  EXPECT_EQ(encode_gsm7("hi 😀"), std::nullopt);
  EXPECT_EQ(encode_gsm7("\xff"), std::nullopt);  // invalid UTF-8
}

TEST(SmppText, Gsm7DecodeReplacesWhatIsNotThere) {
  EXPECT_EQ(decode_text(octets({0x41, 0x1B}), Alphabet::kGsm7), "A\uFFFD");        // lone escape
  EXPECT_EQ(decode_text(octets({0x1B, 0x41, 0x42}), Alphabet::kGsm7), "\uFFFDB");  // unknown ext
  EXPECT_EQ(decode_text(octets({0x80, 0x41}), Alphabet::kGsm7), "\uFFFDA");
}

TEST(SmppText, Latin1AndAscii) {
  EXPECT_EQ(encode_latin1("café ÿ"), octets({'c', 'a', 'f', 0xE9, ' ', 0xFF}));
  EXPECT_EQ(encode_latin1("€"), std::nullopt);
  EXPECT_EQ(decode_text(octets({'c', 'a', 'f', 0xE9}), Alphabet::kLatin1), "café");
  EXPECT_EQ(encode_text("plain", Alphabet::kAscii), "plain");
  EXPECT_EQ(encode_text("é", Alphabet::kAscii), std::nullopt);
  EXPECT_EQ(decode_text(octets({'o', 'k', 0xE9}), Alphabet::kAscii), "ok\uFFFD");
  EXPECT_EQ(encode_text("x", Alphabet::kLatin1), "x");
}

TEST(SmppText, Ucs2WithSurrogatePairs) {
  const std::string text = "Hi 😀 ✓";
  const std::string enc = encode_ucs2(text);
  EXPECT_EQ(enc, octets({0x00, 'H', 0x00, 'i', 0x00, ' ', 0xD8, 0x3D, 0xDE, 0x00, 0x00, ' ', 0x27,
                         0x13}));
  EXPECT_EQ(encode_text(text, Alphabet::kUcs2), enc);
  EXPECT_EQ(decode_text(enc, Alphabet::kUcs2), text);
}

TEST(SmppText, Ucs2DecodeReplacesLoneSurrogatesAndOddOctets) {
  EXPECT_EQ(decode_text(octets({0xD8, 0x3D, 0x00, 'A'}), Alphabet::kUcs2), "\uFFFDA");
  EXPECT_EQ(decode_text(octets({0xDE, 0x00}), Alphabet::kUcs2), "\uFFFD");
  EXPECT_EQ(decode_text(octets({0xD8, 0x3D}), Alphabet::kUcs2), "\uFFFD");
  EXPECT_EQ(decode_text(octets({0x00, 'A', 0x00}), Alphabet::kUcs2), "A\uFFFD");
}

TEST(SmppText, BinaryIsShownInHex) {
  EXPECT_EQ(decode_text(octets({0x00, 0xAB, 0x7F}), Alphabet::kBinary), "00ab7f");
  EXPECT_EQ(encode_text(octets({0x00, 0xFF}), Alphabet::kBinary), octets({0x00, 0xFF}));
}

TEST(SmppText, DecodeAlwaysGivesValidUtf8) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (int b = 255; b >= 0; --b) all.push_back(static_cast<char>(b));
  for (Alphabet a :
       {Alphabet::kGsm7, Alphabet::kLatin1, Alphabet::kAscii, Alphabet::kUcs2, Alphabet::kBinary}) {
    for (size_t start = 0; start < 4; ++start) {
      EXPECT_TRUE(utf8::is_valid(decode_text(std::string_view(all).substr(start), a)));
    }
  }
}

TEST(SmppText, AlphabetOf) {
  EXPECT_EQ(alphabet_of(0x00), Alphabet::kGsm7);
  EXPECT_EQ(alphabet_of(0x00, Alphabet::kLatin1), Alphabet::kLatin1);
  EXPECT_EQ(alphabet_of(0x01), Alphabet::kAscii);
  EXPECT_EQ(alphabet_of(0x02), Alphabet::kBinary);
  EXPECT_EQ(alphabet_of(0x03), Alphabet::kLatin1);
  EXPECT_EQ(alphabet_of(0x04), Alphabet::kBinary);
  EXPECT_EQ(alphabet_of(0x08), Alphabet::kUcs2);
  EXPECT_EQ(alphabet_of(0x18), Alphabet::kUcs2);    // general group, class 0, UCS-2
  EXPECT_EQ(alphabet_of(0x11), Alphabet::kGsm7);    // general group, class 1, default alphabet
  EXPECT_EQ(alphabet_of(0x15), Alphabet::kBinary);  // 8-bit data
  EXPECT_EQ(alphabet_of(0xF0), Alphabet::kGsm7);
  EXPECT_EQ(alphabet_of(0xF4), Alphabet::kBinary);
  EXPECT_EQ(alphabet_of(0xF0, Alphabet::kLatin1), Alphabet::kGsm7);  // explicit, not the default
}

TEST(SmppText, Udh8BitReference) {
  const std::string sm = octets({0x05, 0x00, 0x03, 0xA7, 0x03, 0x02}) + "part two";
  const auto udh = parse_udh(sm);
  ASSERT_TRUE(udh);
  EXPECT_EQ(udh->length, 6u);
  EXPECT_EQ(udh->concat, (Concat{0xA7, 3, 2}));
  EXPECT_EQ(concat_udh(Concat{0xA7, 3, 2}), sm.substr(0, 6));
}

TEST(SmppText, Udh16BitReference) {
  const std::string sm = octets({0x06, 0x08, 0x04, 0x12, 0x34, 0x02, 0x01}) + "x";
  const auto udh = parse_udh(sm);
  ASSERT_TRUE(udh);
  EXPECT_EQ(udh->length, 7u);
  EXPECT_EQ(udh->concat, (Concat{0x1234, 2, 1}));
  EXPECT_EQ(concat_udh(Concat{0x1234, 2, 1}), sm.substr(0, 7));
}

TEST(SmppText, UdhWithOtherIesAndNoConcat) {
  // Application port addressing (IEI 0x05) before the concatenation IE.
  const auto udh = parse_udh(
      octets({0x0B, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x00, 0x03, 0x01, 0x02, 0x01, 'x'}));
  ASSERT_TRUE(udh);
  EXPECT_EQ(udh->length, 12u);
  EXPECT_EQ(udh->concat, (Concat{1, 2, 1}));
  const auto ports = parse_udh(octets({0x06, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0}));
  ASSERT_TRUE(ports);
  EXPECT_EQ(ports->concat, std::nullopt);
}

TEST(SmppText, MalformedUdh) {
  EXPECT_EQ(parse_udh(""), std::nullopt);
  EXPECT_EQ(parse_udh(octets({0x05, 0x00, 0x03, 0x01})), std::nullopt);  // UDHL past the end
  EXPECT_EQ(parse_udh(octets({0x03, 0x00, 0x03, 0x01})), std::nullopt);  // IE past the header
  EXPECT_EQ(parse_udh(octets({0x01, 0x00})), std::nullopt);              // IE header cut
  // A concatenation IE whose numbers make no sense is not a concatenation.
  const auto bad_seq = parse_udh(octets({0x05, 0x00, 0x03, 0x01, 0x02, 0x03}));
  ASSERT_TRUE(bad_seq);
  EXPECT_EQ(bad_seq->concat, std::nullopt);
  const auto zero = parse_udh(octets({0x05, 0x00, 0x03, 0x01, 0x00, 0x00}));
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->concat, std::nullopt);
}

TEST(SmppText, ConcatOfAndPayloadOf) {
  Pdu p;
  p.command_id = command::kDeliverSm;
  p.short_message = concat_udh(Concat{9, 2, 2}) + "tail";
  EXPECT_EQ(concat_of(p), std::nullopt);  // no UDHI: the octets are text
  EXPECT_EQ(payload_of(p), p.short_message);
  p.esm_class = esm::kUdhi;
  EXPECT_EQ(concat_of(p), (Concat{9, 2, 2}));
  EXPECT_EQ(payload_of(p), "tail");

  Pdu sar;
  sar.command_id = command::kSubmitSm;
  sar.short_message = "first";
  sar.set_tlv_int(tag::kSarMsgRefNum, 0x0102, 2);
  sar.set_tlv_int(tag::kSarTotalSegments, 3, 1);
  EXPECT_EQ(concat_of(sar), std::nullopt);  // one of three TLVs missing
  sar.set_tlv_int(tag::kSarSegmentSeqnum, 1, 1);
  EXPECT_EQ(concat_of(sar), (Concat{0x0102, 3, 1}));
  sar.set_tlv_int(tag::kSarSegmentSeqnum, 4, 1);
  EXPECT_EQ(concat_of(sar), std::nullopt);  // seq past total
  EXPECT_EQ(payload_of(sar), "first");

  Pdu payload;
  payload.command_id = command::kDataSm;
  payload.set_tlv(tag::kMessagePayload, "a long text");
  EXPECT_EQ(payload_of(payload), "a long text");
  EXPECT_EQ(concat_of(payload), std::nullopt);
}

TEST(SmppText, StatWords) {
  EXPECT_EQ(stat_word(MessageState::kDelivered), "DELIVRD");
  EXPECT_EQ(stat_word(MessageState::kUndeliverable), "UNDELIV");
  EXPECT_EQ(stat_word(MessageState::kRejected), "REJECTD");
  EXPECT_EQ(state_from_word("delivrd"), MessageState::kDelivered);
  EXPECT_EQ(state_from_word("DELIVERED"), MessageState::kDelivered);
  EXPECT_EQ(state_from_word("Undeliverable"), MessageState::kUndeliverable);
  EXPECT_EQ(state_from_word("ACCEPTED"), MessageState::kAccepted);
  EXPECT_EQ(state_from_word("5"), MessageState::kUndeliverable);
  EXPECT_EQ(state_from_word("9"), std::nullopt);
  EXPECT_EQ(state_from_word("WHATEVER"), std::nullopt);
  for (int s = 1; s <= 8; ++s) {
    EXPECT_EQ(state_from_word(stat_word(static_cast<MessageState>(s))),
              static_cast<MessageState>(s));
  }
}

const char kStandard[] =
    "id:0123456789 sub:001 dlvrd:001 submit date:2401011200 done date:2401011201 stat:DELIVRD "
    "err:000 text:Hello world";

TEST(SmppReceipt, StandardText) {
  const ReceiptText r = parse_receipt_text(kStandard);
  EXPECT_EQ(r.id, "0123456789");
  EXPECT_EQ(r.sub, "001");
  EXPECT_EQ(r.dlvrd, "001");
  EXPECT_EQ(r.submit_date, "2401011200");
  EXPECT_EQ(r.done_date, "2401011201");
  EXPECT_EQ(r.stat, "DELIVRD");
  EXPECT_EQ(r.err, "000");
  EXPECT_EQ(r.text, "Hello world");
  EXPECT_EQ(format_receipt_text(r), kStandard);
}

TEST(SmppReceipt, MissingFields) {
  const ReceiptText r =
      parse_receipt_text("id:77 submit date:2401011200 done date:2401011201 stat:UNDELIV err:034");
  EXPECT_EQ(r.id, "77");
  EXPECT_EQ(r.sub, "");
  EXPECT_EQ(r.dlvrd, "");
  EXPECT_EQ(r.stat, "UNDELIV");
  EXPECT_EQ(r.err, "034");
  EXPECT_EQ(r.text, "");
  EXPECT_EQ(parse_receipt_text(""), ReceiptText{});
  EXPECT_EQ(parse_receipt_text("not a receipt at all"), ReceiptText{});
}

TEST(SmppReceipt, AnyOrderLowercaseAndUnderscores) {
  const ReceiptText r = parse_receipt_text(
      "STAT:DELIVRD ID:abc submit_date:2401011200 Done_Date:240101120130 ERR:0 Sub:1 dlvrd:1");
  EXPECT_EQ(r.id, "abc");
  EXPECT_EQ(r.stat, "DELIVRD");
  EXPECT_EQ(r.submit_date, "2401011200");
  EXPECT_EQ(r.done_date, "240101120130");
  EXPECT_EQ(r.err, "0");
  EXPECT_EQ(r.sub, "1");
  EXPECT_EQ(r.dlvrd, "1");
}

TEST(SmppReceipt, TextTakesTheRest) {
  const ReceiptText r = parse_receipt_text("id:1 stat:DELIVRD Text:id:2 stat:REJECTD");
  EXPECT_EQ(r.id, "1");
  EXPECT_EQ(r.stat, "DELIVRD");
  EXPECT_EQ(r.text, "id:2 stat:REJECTD");
}

TEST(SmppReceipt, FormatCutsTextAtTwentyCharacters) {
  ReceiptText r;
  r.id = "x";
  r.stat = "DELIVRD";
  r.text = "ééééééééééééééééééééééé";  // 23 two-byte characters
  const std::string s = format_receipt_text(r);
  const std::string twenty = "éééééééééééééééééééé";
  ASSERT_GT(s.size(), twenty.size() + 5);
  EXPECT_EQ(s.substr(s.size() - twenty.size() - 5), "text:" + twenty);
  EXPECT_TRUE(utf8::is_valid(s));
  EXPECT_NE(s.find("sub:001 dlvrd:001"), std::string::npos);
  EXPECT_NE(s.find("err:000"), std::string::npos);
}

Pdu receipt_pdu(std::string_view text) {
  Pdu p;
  p.command_id = command::kDeliverSm;
  p.esm_class = esm::kDeliveryReceipt;
  p.short_message = std::string(text);
  return p;
}

TEST(SmppReceipt, FromText) {
  const auto r = receipt_of(receipt_pdu(kStandard));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message_id, "0123456789");
  EXPECT_EQ(r->state, MessageState::kDelivered);
  EXPECT_EQ(r->stat, "DELIVRD");
  EXPECT_EQ(r->error_code, "");
  EXPECT_EQ(r->done_date, "2401011201");

  const auto failed = receipt_of(receipt_pdu("id:9 stat:undeliverable err:034"));
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->state, MessageState::kUndeliverable);
  EXPECT_EQ(failed->stat, "undeliverable");
  EXPECT_EQ(failed->error_code, "034");
}

TEST(SmppReceipt, TlvsComeFirst) {
  Pdu p = receipt_pdu("id:TEXTID stat:DELIVRD err:000 done date:2401011201");
  p.set_tlv(tag::kReceiptedMessageId, std::string("TLVID") + '\0');
  p.set_tlv_int(tag::kMessageState, static_cast<uint32_t>(MessageState::kExpired), 1);
  p.set_tlv(tag::kNetworkErrorCode, octets({0x03, 0x00, 0x22}));
  const auto r = receipt_of(p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->message_id, "TLVID");
  EXPECT_EQ(r->state, MessageState::kExpired);
  EXPECT_EQ(r->stat, "EXPIRED");
  EXPECT_EQ(r->error_code, "034");
  EXPECT_EQ(r->done_date, "2401011201");  // only the text has it

  // TLVs alone, as a data_sm receipt may come.
  Pdu data;
  data.command_id = command::kDataSm;
  data.esm_class = esm::kDeliveryReceipt;
  data.set_tlv(tag::kReceiptedMessageId, "ABC");
  data.set_tlv_int(tag::kMessageState, 2, 1);
  const auto d = receipt_of(data);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->message_id, "ABC");
  EXPECT_EQ(d->state, MessageState::kDelivered);
}

TEST(SmppReceipt, UnderscoreSurvivesTheDefaultAlphabet) {
  // data_coding 0 means GSM-7, where 0x5F is '§'; receipt texts are ASCII anyway.
  Pdu p = receipt_pdu("id:5 submit_date:2401011200 done_date:2401011201 stat:DELIVRD");
  const auto r = receipt_of(p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->done_date, "2401011201");
  p.data_coding = dcs::kUcs2;
  p.short_message = encode_ucs2("id:6 stat:REJECTD");
  EXPECT_EQ(receipt_of(p)->message_id, "6");
  EXPECT_EQ(receipt_of(p)->state, MessageState::kRejected);
}

TEST(SmppReceipt, MobileOriginatedIsNoReceipt) {
  Pdu mo = receipt_pdu("id:1 stat:DELIVRD");
  mo.esm_class = 0;
  EXPECT_EQ(receipt_of(mo), std::nullopt);
  Pdu submit = receipt_pdu("id:1 stat:DELIVRD");
  submit.command_id = command::kSubmitSm;
  EXPECT_EQ(receipt_of(submit), std::nullopt);
  Pdu intermediate = receipt_pdu("id:1 stat:ENROUTE");
  intermediate.esm_class = esm::kIntermediateNotification;
  ASSERT_TRUE(receipt_of(intermediate));
  EXPECT_EQ(receipt_of(intermediate)->state, MessageState::kEnroute);
}

TEST(SmppMessageId, SameMessageId) {
  EXPECT_TRUE(same_message_id("1A2B", "6699"));
  EXPECT_TRUE(same_message_id("6699", "1A2B"));
  EXPECT_TRUE(same_message_id("abc", "abc"));
  EXPECT_TRUE(same_message_id("00ff", "FF"));
  EXPECT_TRUE(same_message_id("0255", "255"));
  EXPECT_FALSE(same_message_id("1A2B", "6698"));
  EXPECT_FALSE(same_message_id("msg-1", "msg-2"));
  EXPECT_FALSE(same_message_id("", "0"));
  // Longer than 64 bits: compared as text only, no wrap-around.
  const std::string big = "123456789012345678901234567890";
  EXPECT_TRUE(same_message_id(big, big));
  EXPECT_FALSE(same_message_id(big, "1"));
  EXPECT_FALSE(same_message_id("10000000000000000", "0"));  // 2^64 in hex would wrap to 0
  EXPECT_TRUE(same_message_id("ffffffffffffffff", "18446744073709551615"));
  EXPECT_FALSE(same_message_id("10000000000000000", "18446744073709551616"));
}

TEST(SmppMessageId, RespSpelling) {
  EXPECT_EQ(resp_spelling("6699", IdFormat::kAsIs), "6699");
  EXPECT_EQ(resp_spelling("6699", IdFormat::kAuto), "6699");
  EXPECT_EQ(resp_spelling("6699", IdFormat::kHex), "1a2b");
  EXPECT_EQ(resp_spelling("6699", IdFormat::kHex, "FF00"), "1A2B");
  EXPECT_EQ(resp_spelling("6699", IdFormat::kHex, "00000000ab"), "0000001a2b");
  EXPECT_EQ(resp_spelling("6699", IdFormat::kHex, "abcdef0123"), "1a2b");  // not padded
  EXPECT_EQ(resp_spelling("1A2B", IdFormat::kHex), "1A2B");                // not decimal: unchanged
  EXPECT_EQ(resp_spelling("1A2B", IdFormat::kDecimal), "6699");
  EXPECT_EQ(resp_spelling("xyz", IdFormat::kDecimal), "xyz");
  EXPECT_EQ(resp_spelling("123456789012345678901234567890", IdFormat::kHex),
            "123456789012345678901234567890");  // too big to convert
}

TEST(SmppAddress, AddressFor) {
  EXPECT_EQ(address_for("+15551234567"), (Address{1, 1, "15551234567"}));
  EXPECT_EQ(address_for("Switchbrd"), (Address{5, 0, "Switchbrd"}));
  EXPECT_EQ(address_for("12345"), (Address{3, 0, "12345"}));
  EXPECT_EQ(address_for("123"), (Address{3, 0, "123"}));
  EXPECT_EQ(address_for("12345678"), (Address{3, 0, "12345678"}));
  EXPECT_EQ(address_for("447700900123"), (Address{1, 1, "447700900123"}));
}

TEST(SmppAddress, NumberFrom) {
  EXPECT_EQ(number_from(Address{1, 1, "15551234567"}), "+15551234567");
  EXPECT_EQ(number_from(Address{1, 1, "+15551234567"}), "+15551234567");
  EXPECT_EQ(number_from(Address{5, 0, "Switchbrd"}), "Switchbrd");
  EXPECT_EQ(number_from(Address{3, 0, "12345"}), "12345");
  EXPECT_EQ(number_from(Address{0, 0, "15551234567"}), "+15551234567");
  EXPECT_EQ(number_from(Address{0, 1, "+15551234567"}), "+15551234567");
  EXPECT_EQ(number_from(Address{0, 0, "12345"}), "12345");
  EXPECT_EQ(number_from(Address{2, 1, "07700900123"}), "07700900123");  // national: as is
  for (const char* n : {"+15551234567", "Switchbrd", "12345"}) {
    EXPECT_EQ(number_from(address_for(n)), n);
  }
}

}  // namespace
}  // namespace sb::smpp
