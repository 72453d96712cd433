/* kubesim_cel_test.c -- kubesim's CEL interpreter (cmd/kubesim/cel*.c):
 * parse errors, every operator and function, error absorption, the step
 * limit, and values typed by their OpenAPI schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/kubesim/cel.h"

#define COUNT(t) (sizeof(t) / sizeof(*(t)))

static const char self_json[] =
    "{\"name\":\"web\",\"replicas\":3,\"ratio\":1.5,\"tags\":[\"a\",\"b\",\"c\"],"
    "\"nums\":[3,1,2],\"labels\":{\"app\":\"web\",\"tier\":\"fe\"},\"empty\":[],"
    "\"flag\":true,\"nil\":null,\"for\":\"x\",\"my-key\":1,"
    "\"start\":\"2026-01-01T00:00:00Z\",\"end\":\"2026-01-02T00:00:00Z\",\"window\":\"90s\","
    "\"qty\":\"500m\",\"qint\":2,"
    "\"items\":[{\"name\":\"a\",\"v\":1},{\"name\":\"b\",\"v\":2}]}";

static const char schema_json[] = "{\"type\":\"object\",\"properties\":{"
                                  "\"start\":{\"type\":\"string\",\"format\":\"date-time\"},"
                                  "\"end\":{\"type\":\"string\",\"format\":\"date-time\"},"
                                  "\"window\":{\"type\":\"string\",\"format\":\"duration\"},"
                                  "\"ratio\":{\"type\":\"number\"},"
                                  "\"qint\":{\"x-kubernetes-int-or-string\":true}}}";

struct ev_case {
    const char *expr;
    const char *want; /* repr, or "!" + error fragment */
};

static const struct ev_case ev_cases[] = {
    /* literals */
    {"1", "1"},
    {"-7", "-7"},
    {"0x1F", "31"},
    {"3u", "3u"},
    {"2.5", "2.5"},
    {"1e3", "1000"},
    {"'it\\'s'", "\"it's\""},
    {"\"a\\tb\"", "\"a\tb\""},
    {"'\\u00e9'", "\"\xc3\xa9\""},
    {"'\\x41\\101'", "\"AA\""},
    {"r'a\\d'", "\"a\\d\""},
    {"'''tri'ple'''", "\"tri'ple\""},
    {"b'ab'", "b\"ab\""},
    {"true", "true"},
    {"null", "null"},
    {"[1, 'a', true]", "[1, \"a\", true]"},
    {"{'a': 1, 'b': [2]}", "{\"a\": 1, \"b\": [2]}"},
    {"[]", "[]"},
    {"{'a': 1, 'a': 2}", "!repeated key"},
    /* arithmetic */
    {"1 + 2 * 3", "7"},
    {"(1 + 2) * 3", "9"},
    {"7 / 2", "3"},
    {"-7 / 2", "-3"},
    {"7 % 3", "1"},
    {"7.0 / 2.0", "3.5"},
    {"5u - 2u", "3u"},
    {"2u - 5u", "!unsigned integer overflow"},
    {"1 / 0", "!division by zero"},
    {"1 % 0", "!modulus by zero"},
    {"9223372036854775807 + 1", "!integer overflow"},
    {"-9223372036854775808 - 1", "!integer overflow"},
    {"- -9223372036854775808", "!integer overflow"},
    {"-(-9223372036854775808)", "!integer overflow"},
    {"-9223372036854775808", "-9223372036854775808"},
    {"1 + 1.0", "!no such overload"},
    {"'ab' + 'cd'", "\"abcd\""},
    {"[1] + [2, 3]", "[1, 2, 3]"},
    {"-self.replicas", "-3"},
    {"!true", "false"},
    {"!!false", "false"},
    /* comparisons */
    {"1 < 2", "true"},
    {"2 <= 2", "true"},
    {"3 > 4", "false"},
    {"3 >= 4", "false"},
    {"1 == 1.0", "true"},
    {"1 < 1.5", "true"},
    {"1u == 1", "true"},
    {"'a' < 'b'", "true"},
    {"'abc' == 'abc'", "true"},
    {"[1, 2] == [1, 2]", "true"},
    {"{'a': 1} == {'a': 1}", "true"},
    {"{'a': 1} != {'a': 2}", "true"},
    {"'a' == 1", "false"},
    {"null == null", "true"},
    {"'a' < 1", "!no such overload"},
    {"2 in [1, 2]", "true"},
    {"'x' in ['a']", "false"},
    {"'app' in self.labels", "true"},
    {"'nope' in self.labels", "false"},
    /* logic and absorption */
    {"true && false", "false"},
    {"false || true", "true"},
    {"false && (1 / 0 == 1)", "false"},
    {"(1 / 0 == 1) && false", "false"},
    {"true || (1 / 0 == 1)", "true"},
    {"(1 / 0 == 1) || true", "true"},
    {"(1 / 0 == 1) || false", "!division by zero"},
    {"true && (1 / 0 == 1)", "!division by zero"},
    {"self.missing == 1 || true", "true"},
    {"1 && true", "!no such overload"},
    {"true ? 1 : 2", "1"},
    {"false ? 1 : 2", "2"},
    {"1 > 0 ? 'pos' : 'neg'", "\"pos\""},
    {"1 ? 1 : 2", "!no such overload"},
    {"true ? 1 : 1 / 0", "1"},
    /* self, select, has, index */
    {"self.name", "\"web\""},
    {"self.replicas + 1", "4"},
    {"self.ratio", "1.5"},
    {"self.labels.app", "\"web\""},
    {"self.labels['tier']", "\"fe\""},
    {"self.tags[1]", "\"b\""},
    {"self.tags[3]", "!index out of bounds"},
    {"self.tags[-1]", "!index out of bounds"},
    {"self.labels['x']", "!no such key"},
    {"self.missing", "!no such key: missing"},
    {"has(self.name)", "true"},
    {"has(self.missing)", "false"},
    {"has(self.labels.app)", "true"},
    {"has(self.nil)", "true"},
    {"self.nil == null", "true"},
    {"self.__for__", "\"x\""},
    {"self.my__dash__key", "1"},
    {"self.flag", "true"},
    {"self.items[1].v", "2"},
    {"oldSelf", "!oldSelf is not available"},
    /* size and conversions */
    {"size(self.tags)", "3"},
    {"self.tags.size()", "3"},
    {"size('h\xc3\xa9llo')", "5"},
    {"size(b'ab')", "2"},
    {"size(self.labels)", "2"},
    {"size(1)", "!no such overload"},
    {"string(12)", "\"12\""},
    {"string(1.5)", "\"1.5\""},
    {"string(true)", "\"true\""},
    {"string(3u)", "\"3\""},
    {"int('42')", "42"},
    {"int('4x')", "!cannot convert"},
    {"int(3.9)", "3"},
    {"int(1e19)", "!integer overflow"},
    {"uint(3)", "3u"},
    {"uint(-1)", "!unsigned integer overflow"},
    {"double(2)", "2"},
    {"double('2.5')", "2.5"},
    {"bool('true')", "true"},
    {"dyn(1) == 1", "true"},
    {"type(1) == int", "true"},
    {"type('a') == string", "true"},
    {"type(self.tags) == list", "true"},
    {"type(self.labels)", "map"},
    /* strings */
    {"self.name.startsWith('we')", "true"},
    {"self.name.endsWith('eb')", "true"},
    {"self.name.contains('e')", "true"},
    {"self.name.contains('z')", "false"},
    {"'Hello'.lowerAscii()", "\"hello\""},
    {"'Hello'.upperAscii()", "\"HELLO\""},
    {"'  x '.trim()", "\"x\""},
    {"'a,b,c'.split(',')", "[\"a\", \"b\", \"c\"]"},
    {"'a,b,c'.split(',', 2)", "[\"a\", \"b,c\"]"},
    {"['a', 'b'].join('-')", "\"a-b\""},
    {"['a', 'b'].join()", "\"ab\""},
    {"'hello'.indexOf('l')", "2"},
    {"'hello'.lastIndexOf('l')", "3"},
    {"'hello'.replace('l', 'L')", "\"heLLo\""},
    {"'hello'.substring(1, 3)", "\"el\""},
    {"'hello'.substring(9)", "!index out of range"},
    {"'hello'.charAt(1)", "\"e\""},
    {"'abc123'.matches('^[a-z]+\\\\d+$')", "true"},
    {"matches('abc', 'b')", "true"},
    {"'abc'.matches('^b')", "false"},
    {"'a b'.matches('\\\\s')", "true"},
    {"'x'.matches(self.name)", "false"},
    /* macros */
    {"self.nums.all(n, n > 0)", "true"},
    {"self.nums.all(n, n > 1)", "false"},
    {"self.nums.exists(n, n == 2)", "true"},
    {"self.nums.exists(n, n == 9)", "false"},
    {"self.nums.exists_one(n, n > 2)", "true"},
    {"self.nums.exists_one(n, n > 1)", "false"},
    {"self.nums.map(n, n * 2)", "[6, 2, 4]"},
    {"self.nums.map(n, n > 1, n * 10)", "[30, 20]"},
    {"self.nums.filter(n, n != 1)", "[3, 2]"},
    {"self.labels.all(k, k.size() > 2)", "true"},
    {"self.labels.exists(k, self.labels[k] == 'fe')", "true"},
    {"self.items.exists(i, i.name == 'b' && i.v == 2)", "true"},
    {"self.empty.all(x, false)", "true"},
    {"self.empty.exists(x, true)", "false"},
    {"[0, 1].exists(x, 1 / x == 1)", "true"},
    {"[0, 1].all(x, 1 / x == 1)", "!division by zero"},
    {"[[1, 2], [3]].all(l, l.all(x, x > 0))", "true"},
    {"self.nums.isSorted()", "false"},
    {"[1, 2, 2].isSorted()", "true"},
    {"self.nums.sum()", "6"},
    {"self.nums.min()", "1"},
    {"self.nums.max()", "3"},
    /* durations and timestamps */
    {"duration('1h30m') == duration('90m')", "true"},
    {"duration('1h') > duration('59m59s')", "true"},
    {"duration('1.5s') + duration('500ms') == duration('2s')", "true"},
    {"string(duration('1h30m'))", "\"5400s\""},
    {"duration('1500ms')", "duration(\"1.5s\")"},
    {"duration('-1s') < duration('0')", "true"},
    {"duration('2h').getMinutes()", "120"},
    {"duration('x')", "!type conversion error"},
    {"duration('1d')", "!type conversion error"},
    {"self.window == duration('1m30s')", "true"},
    {"self.end > self.start", "true"},
    {"self.end - self.start == duration('24h')", "true"},
    {"self.start + duration('24h') == self.end", "true"},
    {"timestamp('2026-01-01T00:00:00Z') == self.start", "true"},
    {"string(timestamp('2026-01-01T01:00:00+01:00'))", "\"2026-01-01T00:00:00Z\""},
    {"int(timestamp('1970-01-01T00:01:00Z'))", "60"},
    {"timestamp('yesterday')", "!type conversion error"},
    /* quantities */
    {"quantity('100m').isLessThan(quantity('1'))", "true"},
    {"quantity('2Ki').isGreaterThan(quantity('2k'))", "true"},
    {"quantity('1').compareTo(quantity('1000m'))", "0"},
    {"quantity('-3').sign()", "-1"},
    {"quantity('0').sign()", "0"},
    {"quantity(self.qty).sign()", "1"},
    {"quantity('2k').asInteger()", "2000"},
    {"quantity('1500m').asInteger()", "!cannot convert"},
    {"quantity('1500m').asApproximateFloat()", "1.5"},
    {"quantity('1500m').isInteger()", "false"},
    {"quantity('1').add(quantity('500m')) == quantity('1.5')", "true"},
    {"quantity('1').sub(1).sign()", "0"},
    {"isQuantity('1Gi')", "true"},
    {"isQuantity('1Gb')", "false"},
    {"quantity('1Gb')", "!quantities must match"},
    {"quantity(string(self.qint)).sign() == 1", "true"},
    {"string(self.qint)", "\"2\""},
};

static void test_eval_table(void **state)
{
    (void)state;
    cJSON *self = cJSON_Parse(self_json);
    cJSON *schema = cJSON_Parse(schema_json);
    assert_non_null(self);
    assert_non_null(schema);
    int failures = 0;

    for (size_t i = 0; i < COUNT(ev_cases); i++) {
        char err[512], out[512];
        ks_cel_prog *p = ks_cel_compile(ev_cases[i].expr, err, sizeof(err));
        if (!p) {
            fprintf(stderr, "compile %s: %s\n", ev_cases[i].expr, err);
            failures++;
            continue;
        }
        int rc = ks_cel_eval_repr(p, self, NULL, schema, 0, out, sizeof(out));
        const char *want = ev_cases[i].want;
        bool ok = want[0] == '!' ? rc != 0 && strstr(out, want + 1) != NULL
                                 : rc == 0 && strcmp(out, want) == 0;
        if (!ok) {
            fprintf(stderr, "eval %s: got %s%s, want %s\n", ev_cases[i].expr, rc ? "error " : "",
                    out, want);
            failures++;
        }
        ks_cel_free(p);
    }
    cJSON_Delete(self);
    cJSON_Delete(schema);
    assert_int_equal(failures, 0);
}

struct bad_case {
    const char *expr;
    const char *frag;
};

static const struct bad_case bad_cases[] = {
    {"", "Syntax error"},
    {"1 +", "Syntax error"},
    {"(1", "expecting ')'"},
    {"self.", "IDENTIFIER"},
    {"self.for", "reserved identifier"},
    {"foo", "undeclared reference to 'foo'"},
    {"foo(1)", "undeclared reference to 'foo'"},
    {"self.frobnicate()", "undeclared reference to 'frobnicate'"},
    {"size()", "undeclared reference to 'size'"},
    {"self.all(x)", "undeclared reference to 'all'"},
    {"self.all(1, true)", "simple name"},
    {"has(self)", "invalid argument to has() macro"},
    {"x.size()", "undeclared reference to 'x'"},
    {"self.map(x, x) + x", "undeclared reference to 'x'"},
    {"'unterminated", "unterminated string"},
    {"'bad \\q escape'", "invalid escape"},
    {"1 # 2", "token recognition error"},
    {"1 2", "extraneous input"},
    {"99999999999999999999", "invalid int literal"},
    {"'a'.matches('(?i)a')", "invalid regular expression"},
    {"'a'.matches('a*?')", "invalid regular expression"},
    {"'a'.matches('[')", "invalid regular expression"},
};

static void test_compile_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(bad_cases); i++) {
        char err[512];
        ks_cel_prog *p = ks_cel_compile(bad_cases[i].expr, err, sizeof(err));
        if (p || !strstr(err, bad_cases[i].frag))
            fprintf(stderr, "compile %s: got %s\n", bad_cases[i].expr, p ? "success" : err);
        assert_null(p);
        assert_non_null(strstr(err, bad_cases[i].frag));
        assert_non_null(strstr(err, "ERROR: <input>:1:"));
    }
    /* deep nesting is refused, not a stack overflow */
    char deep[4096];
    size_t n = 0;
    for (; n < 1500; n++)
        deep[n] = '(';
    deep[n++] = '1';
    for (size_t k = 0; k < 1500; k++)
        deep[n++] = ')';
    deep[n] = '\0';
    char err[256];
    assert_null(ks_cel_compile(deep, err, sizeof(err)));
    assert_non_null(strstr(err, "nested too deeply"));
    for (n = 0; n < 3000; n++)
        deep[n] = '!';
    strcpy(deep + n, "true");
    assert_null(ks_cel_compile(deep, err, sizeof(err)));
}

static void test_bool_result_and_old_self(void **state)
{
    (void)state;
    char err[256];
    cJSON *self = cJSON_Parse("{\"v\":5}");
    cJSON *old = cJSON_Parse("{\"v\":3}");
    ks_cel_prog *p = ks_cel_compile("self.v >= oldSelf.v", err, sizeof(err));

    assert_non_null(p);
    assert_true(ks_cel_uses_old_self(p));
    assert_int_equal(ks_cel_eval_bool(p, self, old, NULL, 0, err, sizeof(err)), KS_CEL_TRUE);
    assert_int_equal(ks_cel_eval_bool(p, old, self, NULL, 0, err, sizeof(err)), KS_CEL_FALSE);
    assert_int_equal(ks_cel_eval_bool(p, self, NULL, NULL, 0, err, sizeof(err)), KS_CEL_ERROR);
    ks_cel_free(p);

    p = ks_cel_compile("self.v + 1", err, sizeof(err));
    assert_non_null(p);
    assert_false(ks_cel_uses_old_self(p));
    assert_int_equal(ks_cel_eval_bool(p, self, NULL, NULL, 0, err, sizeof(err)), KS_CEL_ERROR);
    assert_non_null(strstr(err, "must evaluate to bool"));
    ks_cel_free(p);
    cJSON_Delete(self);
    cJSON_Delete(old);
}

static void test_step_limit(void **state)
{
    (void)state;
    char err[256];
    cJSON *self = cJSON_Parse("{\"l\":[1,2,3,4,5,6,7,8,9,10]}");
    /* 10^5 iterations of nested macros */
    ks_cel_prog *p = ks_cel_compile(
        "self.l.all(a, self.l.all(b, self.l.all(c, self.l.all(d, self.l.all(e, a + b + c + d + e "
        "> 0)))))",
        err, sizeof(err));

    assert_non_null(p);
    assert_int_equal(ks_cel_eval_bool(p, self, NULL, NULL, 1000, err, sizeof(err)), KS_CEL_ERROR);
    assert_non_null(strstr(err, "cost limit exceeded"));
    /* an absorbing || does not hide the cost limit */
    ks_cel_free(p);
    p = ks_cel_compile("self.l.all(a, self.l.all(b, self.l.all(c, true))) || true", err,
                       sizeof(err));
    assert_non_null(p);
    assert_int_equal(ks_cel_eval_bool(p, self, NULL, NULL, 100, err, sizeof(err)), KS_CEL_ERROR);
    assert_int_equal(ks_cel_eval_bool(p, self, NULL, NULL, 0, err, sizeof(err)), KS_CEL_TRUE);
    ks_cel_free(p);
    /* string growth is bounded too */
    p = ks_cel_compile(
        "[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22].map(x, "
        "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"
        ".replace('a', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa').replace('a', "
        "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa').replace('a', 'aaaaaaaaaa'))"
        ".size() > 0",
        err, sizeof(err));
    assert_non_null(p);
    assert_int_equal(ks_cel_eval_bool(p, self, NULL, NULL, 0, err, sizeof(err)), KS_CEL_ERROR);
    ks_cel_free(p);
    cJSON_Delete(self);
}

struct rx_case {
    const char *pattern;
    const char *text;
    bool match;
};

static const struct rx_case rx_cases[] = {
    {"^\\d+$", "123", true},
    {"^\\d+$", "12a", false},
    {"^\\w+$", "a_1", true},
    {"^\\s$", " ", true},
    {"^\\S+$", "ab", true},
    {"^[\\d.]+$", "1.5", true},
    {"^[\\w-]+$", "a-b_c", true},
    {"^[a\\-z]$", "-", true},
    {"^[a\\-z]$", "b", false},
    {"^[\\]]$", "]", true},
    {"^(?:ab)+$", "abab", true},
    {"^a\\.b$", "a.b", true},
    {"^a\\.b$", "axb", false},
    {"^https?://[^/?#[:space:]]+([/?#][^[:space:]]*)?$", "http://p:9090/x", true},
    {"^https?://[^/?#[:space:]]+([/?#][^[:space:]]*)?$", "ftp://p", false},
    {"^(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\xc2\xb5s|ms|s|m|h))+)$", "1h30m", true},
    {"^(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|\xc2\xb5s|ms|s|m|h))+)$", "5 m", false},
    {"^\\+?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.["
     "0-9]*)?)|(\\.[0-9]+))))?$",
     "500m", true},
    {"^\\+?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.["
     "0-9]*)?)|(\\.[0-9]+))))?$",
     "-1", false},
    {"b", "abc", true},
    {"^a{,5}$", "a{,5}", true}, /* Go: not a repetition, so the text itself */
    {"^a{,5}$", "aa", false},
    {"^a{x}$", "a{x}", true},
    {"^a{2}$", "aa", true},
};

static void test_regex(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(rx_cases); i++) {
        regex_t re;
        char err[200];
        int rc = ks_cel_regcomp(&re, rx_cases[i].pattern, true, err, sizeof(err));
        if (rc)
            fprintf(stderr, "regcomp %s: %s\n", rx_cases[i].pattern, err);
        assert_int_equal(rc, 0);
        bool m = regexec(&re, rx_cases[i].text, 0, NULL, 0) == 0;
        if (m != rx_cases[i].match)
            fprintf(stderr, "pattern %s on %s: got %d\n", rx_cases[i].pattern, rx_cases[i].text, m);
        assert_int_equal(m, rx_cases[i].match);
        regfree(&re);
    }
    regex_t re;
    char err[200];
    assert_int_equal(ks_cel_regcomp(&re, "a(?=b)", true, err, sizeof(err)), -1);
    assert_int_equal(ks_cel_regcomp(&re, "\\bword", true, err, sizeof(err)), -1);
    assert_int_equal(ks_cel_regcomp(&re, "[a", true, err, sizeof(err)), -1);
}

/* Go's repetition limits, and kubesim's bound on the nodes glibc's
 * regcomp builds: five "(a?){1000}" in a row took 200 MB there, fifty
 * ran a fuzzer out of memory. */
static const struct {
    const char *pattern;
    const char *error; /* NULL: compiles */
} rx_limit_cases[] = {
    {"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", NULL},
    {"^.{0,253}$", NULL},
    {"a{1000}", NULL},
    {"(a{100}){10}", NULL},
    {"(a?){500}", NULL},
    {"(a?){1000}", "expression too large"},
    {"(ab|cd?){300}", NULL},
    {"(ab|cd?){1000}", "expression too large"},
    {"a{1001}", "invalid repeat count: `{1001}`"},
    {"a{2,1001}", "invalid repeat count: `{2,1001}`"},
    {"(a?){10010}", "invalid repeat count: `{10010}`"}, /* a fuzzer's: all digits count */
    {"(a?){,10000}", NULL}, /* a literal "{,10000}" as in Go, not 10,000 copies */
    {"a{1,99999999999999999999}", "invalid repeat count: `{1,99999999999999999999}`"},
    {"(a{100}){11}", "invalid repeat count: `{11}`"},
    {"((b{10}){10}){11}", "invalid repeat count: `{11}`"},
    {"a**", "invalid nested repetition operator: `**`"},
    {"a{2}+", "invalid nested repetition operator: `{2}+`"},
    {"(a?){1000}(a?){1000}(a?){1000}", "expression too large"},
    {"(abcdefghij){600}", "expression too large"},
    {"((a+)+){100}x{999}", NULL},
    {"((a+)+){400}", "expression too large"},
    {"(((((((((((((c)+)+)+)+)+)+)+)+)+)+)+)+)+)+", "expression too large"},
};

static void test_regex_limits(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(rx_limit_cases); i++) {
        regex_t re;
        char err[200] = "";
        int rc = ks_cel_regcomp(&re, rx_limit_cases[i].pattern, true, err, sizeof(err));
        if (rx_limit_cases[i].error == NULL) {
            if (rc != 0)
                fprintf(stderr, "%s: %s\n", rx_limit_cases[i].pattern, err);
            assert_int_equal(rc, 0);
            regfree(&re);
            continue;
        }
        if (rc == 0 || strstr(err, rx_limit_cases[i].error) == NULL)
            fprintf(stderr, "%s: rc %d, \"%s\"\n", rx_limit_cases[i].pattern, rc, err);
        assert_int_equal(rc, -1);
        assert_non_null(strstr(err, rx_limit_cases[i].error));
        assert_non_null(strstr(err, "error parsing regexp: "));
    }
}

static void test_garbage_never_crashes(void **state)
{
    (void)state;
    /* a crude fuzz: every prefix of a complex rule, and byte flips */
    const char *src = "self.items.exists(i, i.name.matches('^[a-z]+$') && "
                      "quantity(string(i.v)).isGreaterThan(quantity('0'))) ? "
                      "{'a': [1, 2u, 3.0, b'x', null]}['a'].size() == 5 : "
                      "duration('1h') > duration('1m') || !has(self.x) && -1 < 2 % 3";
    cJSON *self = cJSON_Parse(self_json);
    size_t len = strlen(src);
    char buf[512];

    for (size_t cut = 0; cut <= len; cut++) {
        char err[256], out[256];
        memcpy(buf, src, cut);
        buf[cut] = '\0';
        ks_cel_prog *p = ks_cel_compile(buf, err, sizeof(err));
        if (p) {
            ks_cel_eval_repr(p, self, self, NULL, 0, out, sizeof(out));
            ks_cel_free(p);
        }
    }
    for (size_t i = 0; i < len; i++) {
        static const char flips[] = "()[]{}.,'\"\\!?:0a_";
        for (size_t f = 0; f < sizeof(flips) - 1; f++) {
            char err[256], out[256];
            memcpy(buf, src, len + 1);
            buf[i] = flips[f];
            ks_cel_prog *p = ks_cel_compile(buf, err, sizeof(err));
            if (p) {
                ks_cel_eval_repr(p, self, NULL, NULL, 0, out, sizeof(out));
                ks_cel_free(p);
            }
        }
    }
    cJSON_Delete(self);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval_table),
        cmocka_unit_test(test_compile_errors),
        cmocka_unit_test(test_bool_result_and_old_self),
        cmocka_unit_test(test_step_limit),
        cmocka_unit_test(test_regex),
        cmocka_unit_test(test_regex_limits),
        cmocka_unit_test(test_garbage_never_crashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
