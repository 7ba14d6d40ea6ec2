#include "reports/junit.hpp"

#include "sample_run.hpp"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include <memory>
#include <random>
#include <string>

namespace coitest::reports {
namespace {

// A parsed document with the XPath queries the tests need, and validation against the same
// junit-10.xsd the ctest xmllint check uses.
class Xml {
  public:
    explicit Xml(const std::string& text)
        : doc_(xmlReadMemory(text.data(), static_cast<int>(text.size()), "junit.xml", nullptr,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING),
               xmlFreeDoc) {}

    bool well_formed() const { return doc_ != nullptr; }

    bool valid() const {
        if (!doc_) return false;
        std::unique_ptr<xmlSchemaParserCtxt, decltype(&xmlSchemaFreeParserCtxt)> pctx(
            xmlSchemaNewParserCtxt(COITEST_JUNIT_XSD), xmlSchemaFreeParserCtxt);
        std::unique_ptr<xmlSchema, decltype(&xmlSchemaFree)> schema(xmlSchemaParse(pctx.get()),
                                                                    xmlSchemaFree);
        if (!schema) {
            ADD_FAILURE() << "cannot load " << COITEST_JUNIT_XSD;
            return false;
        }
        std::unique_ptr<xmlSchemaValidCtxt, decltype(&xmlSchemaFreeValidCtxt)> vctx(
            xmlSchemaNewValidCtxt(schema.get()), xmlSchemaFreeValidCtxt);
        xmlSchemaSetValidErrors(vctx.get(), nullptr, nullptr, nullptr);  // quiet
        return xmlSchemaValidateDoc(vctx.get(), doc_.get()) == 0;
    }

    // The string value of an XPath expression, e.g. "string(//testcase[1]/@name)".
    std::string str(const std::string& xpath) const {
        auto obj = eval(xpath);
        if (!obj) return "<no result>";
        xmlChar* s = xmlXPathCastToString(obj.get());
        std::string out = reinterpret_cast<const char*>(s);
        xmlFree(s);
        return out;
    }
    double num(const std::string& xpath) const {
        auto obj = eval(xpath);
        return obj ? xmlXPathCastToNumber(obj.get()) : -1;
    }

  private:
    using Obj = std::unique_ptr<xmlXPathObject, decltype(&xmlXPathFreeObject)>;
    Obj eval(const std::string& xpath) const {
        if (!doc_) return Obj(nullptr, xmlXPathFreeObject);
        std::unique_ptr<xmlXPathContext, decltype(&xmlXPathFreeContext)> ctx(
            xmlXPathNewContext(doc_.get()), xmlXPathFreeContext);
        return Obj(
            xmlXPathEvalExpression(reinterpret_cast<const xmlChar*>(xpath.c_str()), ctx.get()),
            xmlXPathFreeObject);
    }

    std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc_;
};

std::string tc(const std::string& id) {
    return "//testcase[@name='" + id + "']";
}

TEST(JunitValidator, RejectsATestcaseWithoutName) {
    // The validator itself must be able to fail, or the tests below prove nothing.
    const Xml bad(
        "<testsuites><testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\">"
        "<testcase classname=\"c\"/></testsuite></testsuites>");
    EXPECT_TRUE(bad.well_formed());
    EXPECT_FALSE(bad.valid());
    const Xml good(
        "<testsuites><testsuite name=\"s\" tests=\"1\" failures=\"0\" errors=\"0\">"
        "<testcase name=\"t\" classname=\"c\"/></testsuite></testsuites>");
    EXPECT_TRUE(good.valid());
    EXPECT_FALSE(Xml("<testsuites>\x01</testsuites>").well_formed());
}

TEST(Junit, EveryVariantValidatesAgainstTheSchema) {
    for (const RunResult& run : {testing::full_run(false), testing::full_run(true),
                                 testing::empty_run(), testing::interrupted_run()}) {
        const Xml xml(render_junit(run));
        EXPECT_TRUE(xml.well_formed());
        EXPECT_TRUE(xml.valid());
    }
}

TEST(Junit, RandomBytesEverywhereStillValidate) {
    std::mt19937 rng(42);  // fixed seed: reproducible
    for (int round = 0; round < 50; ++round) {
        std::string junk;
        for (int i = 0; i < 200; ++i) junk += static_cast<char>(rng() & 0xFF);
        RunResult run = testing::full_run(round % 2 == 0);
        for (auto& suite : run.suites) {
            suite.name = junk.substr(0, 20);
            for (auto& t : suite.tests) {
                t.id += junk.substr(10, 10);
                t.title = t.classname = t.reason = t.profile = junk;
                t.tags = {junk};
                for (auto& f : t.findings) f.expected = f.seen = f.where = f.requirement = junk;
                t.transcript.push_back({junk, Direction::server, 0.5, junk});
            }
        }
        run.target = run.started_at = run.tool_version = junk;
        const Xml xml(render_junit(run));
        ASSERT_TRUE(xml.valid()) << "round " << round;
    }
}

TEST(Junit, OneTestsuitePerSuiteWithConsistentCounts) {
    const Xml xml(render_junit(testing::full_run()));
    EXPECT_EQ(xml.num("count(/testsuites/testsuite)"), 2);
    EXPECT_EQ(xml.str("string(/testsuites/testsuite[1]/@name)"), "server");
    EXPECT_EQ(xml.str("string(/testsuites/testsuite[2]/@name)"), "lint");
    for (int i = 1; i <= 2; ++i) {
        const std::string s = "/testsuites/testsuite[" + std::to_string(i) + "]";
        EXPECT_EQ(xml.num("number(" + s + "/@tests)"), xml.num("count(" + s + "/testcase)"));
        EXPECT_EQ(xml.num("number(" + s + "/@failures)"),
                  xml.num("count(" + s + "/testcase/failure)"));
        EXPECT_EQ(xml.num("number(" + s + "/@errors)"), xml.num("count(" + s + "/testcase/error)"));
        EXPECT_EQ(xml.num("number(" + s + "/@skipped)"),
                  xml.num("count(" + s + "/testcase/skipped)"));
    }
    EXPECT_EQ(xml.num("number(/testsuites/testsuite[1]/@tests)"), 6);
    EXPECT_EQ(xml.num("number(/testsuites/testsuite[1]/@failures)"), 1);
    EXPECT_EQ(xml.num("number(/testsuites/testsuite[1]/@errors)"), 1);
    EXPECT_EQ(xml.num("number(/testsuites/testsuite[1]/@skipped)"), 1);
    EXPECT_EQ(xml.num("number(/testsuites/@tests)"), 7);
    EXPECT_EQ(xml.num("number(/testsuites/@failures)"), 1);
    EXPECT_EQ(xml.num("number(/testsuites/@errors)"), 1);
    EXPECT_EQ(xml.str("string(/testsuites/@time)"), "3.250");
}

TEST(Junit, FailureCarriesExpectedSeenAndRequirement) {
    const Xml xml(render_junit(testing::full_run()));
    const std::string t = tc("coi-server.capability.coi-after-login");
    EXPECT_EQ(xml.str("string(" + t + "/failure/@type)"),
              "coi-server.capability.coi-after-login MUST");
    EXPECT_EQ(xml.str("string(" + t + "/failure/@message)"),
              "expected * CAPABILITY ... COI / seen * CAPABILITY IMAP4rev1 <no COI> & \"more\"");
    const std::string body = xml.str("string(" + t + "/failure)");
    EXPECT_NE(body.find("COI missing from CAPABILITY after LOGIN"), std::string::npos);
    EXPECT_NE(body.find("fail coi-server.capability.coi-after-login MUST at CAPABILITY response"),
              std::string::npos);
    EXPECT_EQ(xml.str("string(" + t + "/@time)"), "0.500");
}

TEST(Junit, ClassnameFallsBackToSuiteName) {
    const Xml xml(render_junit(testing::full_run()));
    EXPECT_EQ(xml.str("string(" + tc("coi-server.capability.coi-after-login") + "/@classname)"),
              "server");
    EXPECT_EQ(xml.str("string(" + tc("rfc3501.capability.imap4rev1") + "/@classname)"),
              "rfc3501.7.2.1");
    EXPECT_EQ(xml.num("count(//testcase[not(@classname) or @classname=''])"), 0);
}

TEST(Junit, WarnPassesUnlessStrict) {
    const std::string t = tc("coi-server.metadata.should-validate");
    const Xml lax(render_junit(testing::full_run(false)));
    EXPECT_EQ(lax.num("count(" + t + "/*[name()!='system-out'])"), 0);
    EXPECT_NE(lax.str("string(" + t + "/system-out)").find("warn (a SHOULD not met"),
              std::string::npos);
    EXPECT_NE(lax.str("string(" + t + "/system-out)").find("expected NO [BADVALUE] / seen OK"),
              std::string::npos);
    const Xml strict(render_junit(testing::full_run(true)));
    EXPECT_EQ(strict.str("string(" + t + "/failure/@type)"),
              "coi-server.metadata.should-validate SHOULD");
    EXPECT_EQ(strict.num("number(/testsuites/testsuite[1]/@failures)"), 2);
}

TEST(Junit, InfoPassesWithTheInfoInSystemOut) {
    const Xml xml(render_junit(testing::full_run(true)));
    const std::string t = tc("coi-server.filter.default");
    EXPECT_EQ(xml.num("count(" + t + "/*[name()!='system-out'])"), 0);
    EXPECT_NE(xml.str("string(" + t + "/system-out)").find("server chose filter=active"),
              std::string::npos);
}

TEST(Junit, NotApplicableIsSkippedWithReason) {
    const Xml xml(render_junit(testing::full_run()));
    EXPECT_EQ(xml.str("string(" + tc("webpush.capability.announced") + "/skipped/@message)"),
              "target does not claim profile webpush-server");
}

TEST(Junit, ErrorCarriesTheReason) {
    const Xml xml(render_junit(testing::full_run()));
    EXPECT_EQ(xml.str("string(" + tc("rfc3501.idle.notify") + "/error/@message)"),
              "connection refused by 127.0.0.1:14143");
}

TEST(Junit, TranscriptInSystemOutEscapedAndSanitised) {
    const std::string out = render_junit(testing::full_run());
    const Xml xml(out);
    const std::string so =
        xml.str("string(" + tc("coi-server.capability.coi-after-login") + "/system-out)");
    EXPECT_NE(so.find("[  0.012] c1 C: a001 LOGIN alice ***\n"), std::string::npos);
    // The parsed text gives back the markup characters, and shows the bad bytes as escapes.
    EXPECT_NE(so.find("[  0.020] c1 S: <&>\"' \\x01\\x00\\x1B[31mred\\x07 \\xFF\\xFE \\xC3( "
                      "\\xEF\\xBF\\xBE \\xC2\\x9B end\\xE2\\x82\n"),
              std::string::npos)
        << so;
    EXPECT_NE(so.find("S: a001 OK <done> & \"ok\""), std::string::npos);
    // No raw control byte reaches the file at all.
    for (char c : out) EXPECT_FALSE(static_cast<unsigned char>(c) < 0x20 && c != '\n') << int(c);
}

TEST(Junit, PerTestPropertiesOnTheSuite) {
    const Xml xml(render_junit(testing::full_run()));
    const std::string p = "/testsuites/testsuite[1]/properties/property";
    EXPECT_EQ(xml.str("string(" + p +
                      "[@name='coi-server.capability.coi-after-login.requirement'][2]/@value)"),
              "coi-server.capability.once MUST NOT");
    EXPECT_EQ(
        xml.str("string(" + p + "[@name='coi-server.metadata.should-validate.verdict']/@value)"),
        "warn");
    EXPECT_EQ(xml.str("string(" + p + "[@name='rfc3501.capability.imap4rev1.profile']/@value)"),
              "imap-baseline");
    EXPECT_EQ(xml.num("count(" + p + "[@name='rfc3501.capability.imap4rev1.tag'])"), 2);
    EXPECT_EQ(xml.str("string(" + p + "[@name='coitest.profiles']/@value)"),
              "imap-baseline,coi-server");
    // And repeated in system-out, where every consumer shows them.
    const std::string so =
        xml.str("string(" + tc("coi-server.capability.coi-after-login") + "/system-out)");
    EXPECT_NE(so.find("  coi-server.capability.once MUST NOT (coi/coi-server-spec.md 3.1)"),
              std::string::npos);
}

TEST(Junit, EmptyRunHasOneEmptySuite) {
    const Xml xml(render_junit(testing::empty_run()));
    EXPECT_TRUE(xml.valid());
    EXPECT_EQ(xml.num("count(//testsuite)"), 1);
    EXPECT_EQ(xml.num("count(//testcase)"), 0);
    EXPECT_EQ(xml.str("string(//testsuite/@tests)"), "0");
}

TEST(Junit, InterruptedRunSaysSo) {
    const Xml xml(render_junit(testing::interrupted_run()));
    EXPECT_EQ(xml.str("string(//property[@name='coitest.interrupted']/@value)"), "true");
    EXPECT_NE(xml.str("string(/testsuites/testsuite/system-out)").find("interrupted"),
              std::string::npos);
    EXPECT_EQ(xml.num("number(/testsuites/@tests)"), 2);
}

}  // namespace
}  // namespace coitest::reports
