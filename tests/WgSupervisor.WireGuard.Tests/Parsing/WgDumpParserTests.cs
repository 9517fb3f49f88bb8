using System.Text.Encodings.Web;
using System.Text.Json;
using WgSupervisor.Domain.Observation;
using WgSupervisor.Domain.Tests.Support;
using WgSupervisor.WireGuard.Tests.Support;
using WgSupervisor.WireGuard.Parsing;
using Xunit;

namespace WgSupervisor.WireGuard.Tests.Parsing;

/// <summary>`wg show all dump` as captured from a real wireguard-go pair, and every way it can be malformed.</summary>
public sealed class WgDumpParserTests
{
    private const string Fxw0PublicKey = "xgAWmD3LEMTmHD8bUriayuYaNcmige3BMhqjGo0CfHs=";
    private const string Fxw1PublicKey = "Z0l1Xn7N8N8gNUDN3aB4Dib7K+PV/FpiDTVc/PQrEE0=";
    private const string HubPeerKey = "MdFMUW8o0HLsbAHwWnMQTdi6XXuZqnM5y6oGt7vct28=";

    // Secrets of the fixture, used again in hand-made malformed lines so that a leak would show.
    private const string PrivateKey = "SLDgqUgbRQU7W4ESUtlSfhDpKFkHOjBOjd6lrETbbmw=";
    private const string PresharedKey = "ZJODRSytxLHZe4YyiRvaS3IHS777dYyACRyEWwIKfaM=";

    private static readonly string Dump = Fixture.Read("wg-show-all-dump.txt");
    private static readonly string[] Secrets = Fixture.NonEmptyLines("private-keys-in-dump.txt");

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public void The_captured_dump_holds_interfaces_fxw0_and_fxw1()
    {
        var interfaces = WgDumpParser.Parse(Dump);

        Assert.Equal(["fxw0", "fxw1"], interfaces.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("fxw0", interfaces["fxw0"].Name);
        Assert.Equal("fxw1", interfaces["fxw1"].Name);
    }

    [Fact]
    public void The_captured_dump_gives_fxw0_two_peers_and_fxw1_one()
    {
        var interfaces = WgDumpParser.Parse(Dump);

        Assert.Equal([Fxw1PublicKey, HubPeerKey], interfaces["fxw0"].Peers.Select(p => p.PublicKey));
        Assert.Equal(Fxw0PublicKey, Assert.Single(interfaces["fxw1"].Peers).PublicKey);
    }

    [Fact]
    public void Interface_lines_give_public_key_and_listen_port()
    {
        var interfaces = WgDumpParser.Parse(Dump);

        Assert.Equal(Fxw0PublicKey, interfaces["fxw0"].PublicKey);
        Assert.Equal(51877, interfaces["fxw0"].ListenPort);
        Assert.Equal(Fxw1PublicKey, interfaces["fxw1"].PublicKey);
        Assert.Equal(51820, interfaces["fxw1"].ListenPort);
    }

    [Fact]
    public void A_peer_with_a_handshake_gives_endpoint_allowed_ips_including_ipv6_handshake_counters_and_keepalive()
    {
        var peer = WgDumpParser.Parse(Dump)["fxw0"].FindPeer(Fxw1PublicKey);

        Assert.NotNull(peer);
        Assert.Equal("10.250.77.2:51820", peer.Endpoint);
        Assert.Equal(["10.251.77.2/32", "fd00:77::2/128"], peer.AllowedIps);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795640384), peer.LatestHandshake);
        Assert.Equal(TimeSpan.Zero, peer.LatestHandshake!.Value.Offset);
        Assert.Equal(860, peer.RxBytes);
        Assert.Equal(1096, peer.TxBytes);
        Assert.Equal(25, peer.PersistentKeepaliveSeconds);
    }

    [Fact]
    public void A_peer_that_never_handshook_has_no_endpoint_no_handshake_and_keepalive_off()
    {
        var peer = WgDumpParser.Parse(Dump)["fxw0"].FindPeer(HubPeerKey);

        Assert.NotNull(peer);
        Assert.Null(peer.Endpoint);
        Assert.Equal(["10.251.78.0/24"], peer.AllowedIps);
        Assert.Null(peer.LatestHandshake);
        Assert.Equal(0, peer.RxBytes);
        Assert.Equal(0, peer.TxBytes);
        Assert.Null(peer.PersistentKeepaliveSeconds);
    }

    [Fact]
    public void The_peer_of_fxw1_has_keepalive_off_and_its_own_counters()
    {
        var peer = Assert.Single(WgDumpParser.Parse(Dump)["fxw1"].Peers);

        Assert.Equal("10.250.77.1:51877", peer.Endpoint);
        Assert.Equal(["10.251.77.1/32"], peer.AllowedIps);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795640384), peer.LatestHandshake);
        Assert.Equal(948, peer.RxBytes);
        Assert.Equal(860, peer.TxBytes);
        Assert.Null(peer.PersistentKeepaliveSeconds);
    }

    [Fact]
    public void No_private_or_preshared_key_of_the_dump_survives_parsing()
    {
        Assert.Equal(3, Secrets.Length);
        Assert.All(Secrets, secret => Assert.Contains(secret, Dump, StringComparison.Ordinal));

        var serialized = JsonSerializer.Serialize(WgDumpParser.Parse(Dump), Json);

        // The serialization does carry keys (the public ones), so an absent secret means it was dropped.
        Assert.Contains(Fxw0PublicKey, serialized, StringComparison.Ordinal);
        Assert.Contains(HubPeerKey, serialized, StringComparison.Ordinal);
        foreach (var secret in Secrets)
            Assert.DoesNotContain(secret[..40], serialized, StringComparison.Ordinal);
    }

    [Fact]
    public void Crlf_line_ends_blank_lines_and_a_missing_final_newline_parse_like_the_original()
    {
        var expected = JsonSerializer.Serialize(WgDumpParser.Parse(Dump), Json);
        var lines = Dump.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var crlf = string.Join("\r\n", lines) + "\r\n";
        var blankLines = "\n\n" + string.Join("\n\n", lines) + "\n\r\n";
        var noFinalNewline = string.Join("\n", lines);

        Assert.Equal(expected, JsonSerializer.Serialize(WgDumpParser.Parse(crlf), Json));
        Assert.Equal(expected, JsonSerializer.Serialize(WgDumpParser.Parse(blankLines), Json));
        Assert.Equal(expected, JsonSerializer.Serialize(WgDumpParser.Parse(noFinalNewline), Json));
    }

    [Fact]
    public void An_empty_dump_has_no_interfaces()
    {
        Assert.Empty(WgDumpParser.Parse(""));
        Assert.Empty(WgDumpParser.Parse("\n\r\n"));
    }

    [Fact]
    public void An_interface_without_peers_is_listed_with_no_peers()
    {
        var interfaces = WgDumpParser.Parse(Interface("wg9", port: "0", publicKey: "(none)"));

        var wg9 = Assert.Single(interfaces).Value;
        Assert.Empty(wg9.Peers);
        Assert.Null(wg9.PublicKey);
        Assert.Null(wg9.ListenPort);
    }

    [Theory]
    [InlineData("[2001:db8::1]:51820")]
    [InlineData("[fd00:77::2]:1")]
    [InlineData("192.0.2.10:65535")]
    public void Ipv4_and_bracketed_ipv6_endpoints_are_kept_as_written(string endpoint)
    {
        var peer = Assert.Single(WgDumpParser.Parse(Interface() + "\n" + Peer(endpoint: endpoint))["fxw0"].Peers);

        Assert.Equal(endpoint, peer.Endpoint);
    }

    [Fact]
    public void Allowed_ips_none_is_an_empty_list_and_keepalive_zero_is_off()
    {
        var peer = Assert.Single(WgDumpParser.Parse(Interface() + "\n" + Peer(allowedIps: "(none)", keepalive: "0"))["fxw0"].Peers);

        Assert.Empty(peer.AllowedIps);
        Assert.Null(peer.PersistentKeepaliveSeconds);
    }

    [Fact]
    public void Counters_beyond_int_range_are_read_as_long()
    {
        var peer = Assert.Single(WgDumpParser.Parse(Interface() + "\n" + Peer(rx: "9223372036854775807", tx: "4294967296"))["fxw0"].Peers);

        Assert.Equal(long.MaxValue, peer.RxBytes);
        Assert.Equal(4294967296L, peer.TxBytes);
    }

    public static TheoryData<string, string, int> MalformedDumps()
    {
        var header = Interface() + "\n\n"; // the bad peer line is line 3: blank lines count
        var data = new TheoryData<string, string, int>
        {
            // Field counts.
            { "interface line with 6 fields holding the private key", Interface() + "\textra", 1 },
            { "interface line with 4 fields holding the private key", $"fxw0\t{PrivateKey}\t{Fxw0PublicKey}\t51877", 1 },
            { "private key alone on a line", PrivateKey, 1 },
            { "private key first on a 5-field line", $"{PrivateKey}\tfxw0\t{Fxw0PublicKey}\t51877\toff", 1 },
            { "private key first on a 9-field line", $"{PrivateKey}\t{Fxw1PublicKey}\t{PresharedKey}\t(none)\t(none)\t0\t0\t0\toff", 1 },
            { "peer line with 8 fields", header + string.Join('\t', Peer().Split('\t')[..8]), 3 },
            { "peer line with 10 fields", header + Peer() + "\t0", 3 },
            { "one word", header + "garbage", 3 },
            { "spaces instead of tabs", header + Peer().Replace('\t', ' '), 3 },
            { "whitespace only", header + "   ", 3 },
            { "tabs only", header + "\t\t\t\t", 3 },
            // Order and identity.
            { "peer before its interface", Peer(), 1 },
            { "peer of an interface never listed", header + Peer(interfaceName: "fxw7"), 3 },
            { "interface listed twice", header + Interface(), 3 },
            // Interface names.
            { "interface name longer than 15", header + Interface(name: "fxw0123456789abc"), 3 },
            { "interface name with a space", header + Interface(name: "fx w0"), 3 },
            { "interface name with a slash", header + Interface(name: "fx/w0"), 3 },
            { "interface name with a control character", header + Interface(name: "fxw\u0001"), 3 },
            { "interface name with an escape sequence", header + Interface(name: "\u001b[31mfxw"), 3 },
            // Keys.
            { "peer key not base64", header + Peer(publicKey: "notakey"), 3 },
            { "peer key with a wrong last character", header + Peer(publicKey: Fxw1PublicKey[..42] + "B="), 3 },
            { "peer key of 31 bytes", header + Peer(publicKey: Convert.ToBase64String(new byte[31])), 3 },
            { "peer key (none)", header + Peer(publicKey: "(none)"), 3 },
            { "interface public key not a key", header + Interface(name: "fxw1", publicKey: "public"), 3 },
            // Endpoints.
            { "endpoint without port", header + Peer(endpoint: "1.2.3.4"), 3 },
            { "ipv6 endpoint without port", header + Peer(endpoint: "[::1]"), 3 },
            { "ipv6 endpoint without closing bracket", header + Peer(endpoint: "[2001:db8::1:51820"), 3 },
            { "endpoint port 0", header + Peer(endpoint: "1.2.3.4:0"), 3 },
            { "endpoint port 65536", header + Peer(endpoint: "1.2.3.4:65536"), 3 },
            { "endpoint port negative", header + Peer(endpoint: "1.2.3.4:-1"), 3 },
            { "endpoint with a host name", header + Peer(endpoint: "gw.example.net:51820"), 3 },
            { "endpoint without host", header + Peer(endpoint: ":51820"), 3 },
            { "endpoint empty", header + Peer(endpoint: ""), 3 },
            { "endpoint with a trailing NUL", header + Peer(endpoint: "1.2.3.4:51820\u0000"), 3 },
            { "endpoint with an escape character", header + Peer(endpoint: "1.2.3.4:51820\u001b"), 3 },
            { "endpoint with a NUL in the address", header + Peer(endpoint: "1.2.3\u0000.4:51820"), 3 },
            // Allowed IPs.
            { "allowed ip prefix too long", header + Peer(allowedIps: "10.0.0.0/33"), 3 },
            { "allowed ip not an address", header + Peer(allowedIps: "banana"), 3 },
            { "allowed ips with a trailing comma", header + Peer(allowedIps: "10.0.0.0/8,"), 3 },
            { "allowed ips empty", header + Peer(allowedIps: ""), 3 },
            { "allowed ips with an escape sequence", header + Peer(allowedIps: "10.0.0.0/8\u001b"), 3 },
            // Numbers.
            { "handshake negative", header + Peer(handshake: "-1"), 3 },
            { "handshake not a number", header + Peer(handshake: "yesterday"), 3 },
            { "handshake fractional", header + Peer(handshake: "1795640384.5"), 3 },
            { "handshake beyond long", header + Peer(handshake: "99999999999999999999"), 3 },
            { "handshake beyond year 9999", header + Peer(handshake: "9223372036854775807"), 3 },
            { "handshake with a leading space", header + Peer(handshake: " 1795640384"), 3 },
            { "handshake with a plus sign", header + Peer(handshake: "+1795640384"), 3 },
            { "rx negative", header + Peer(rx: "-860"), 3 },
            { "rx with a trailing NUL", header + Peer(rx: "860\u0000"), 3 },
            { "rx beyond long", header + Peer(rx: "9223372036854775808"), 3 },
            { "tx in exponent notation", header + Peer(tx: "1e3"), 3 },
            { "tx hexadecimal", header + Peer(tx: "0x10"), 3 },
            { "tx with arabic-indic digits", header + Peer(tx: "\u0661\u0662"), 3 },
            { "keepalive negative", header + Peer(keepalive: "-25"), 3 },
            { "keepalive beyond 65535", header + Peer(keepalive: "65536"), 3 },
            { "keepalive beyond int", header + Peer(keepalive: "99999999999"), 3 },
            { "keepalive on", header + Peer(keepalive: "on"), 3 },
            { "keepalive empty", header + Peer(keepalive: ""), 3 },
            { "listen port 65536", header + Interface(name: "fxw1", port: "65536"), 3 },
            { "listen port negative", header + Interface(name: "fxw1", port: "-1"), 3 },
            { "listen port a word", header + Interface(name: "fxw1", port: "port"), 3 },
            { "listen port empty", header + Interface(name: "fxw1", port: ""), 3 },
            // Line ends.
            { "CRLF dump with a bad third line", Interface() + "\r\n" + Peer() + "\r\n" + Peer(handshake: "x") + "\r\n", 3 },
            { "a bare CR inside a line", Interface() + "\n" + Peer().Replace("\t860\t", "\t8\r60\t"), 2 },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(MalformedDumps))]
    public void Malformed_input_throws_a_parse_exception_naming_the_line_and_no_key(string what, string dump, int line)
    {
        var error = Assert.Throws<WireGuardParseException>(() => WgDumpParser.Parse(dump));

        Assert.True(error.LineNumber == line, $"{what}: expected line {line}, got {error.LineNumber} ({error.Message})");
        Assert.Contains($"line {line}:", error.Message, StringComparison.Ordinal);
        Assert.Equal("wg show all dump", error.InputName);
        AssertNoKeyIn(error.Message, what);
    }

    [Fact]
    public void Null_input_is_an_argument_error_not_a_parse_error()
    {
        Assert.Throws<ArgumentNullException>(() => WgDumpParser.Parse(null!));
    }

    /// <summary>
    /// Random single mutations of the real dump (a field replaced, removed or added, a character inserted,
    /// a line cut, dropped, doubled or swapped): the parser either succeeds or throws its own exception, and
    /// never lets a secret through, in its result or in its message.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(20261125)]
    public void Random_mutations_of_the_real_dump_parse_or_fail_cleanly_and_never_leak_a_secret(int seed)
    {
        var random = new Random(seed);
        var lines = Dump.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] junk =
        [
            "", "-1", "0", "(none)", "off", "99999999999999999999999", "1.2.3.4", "[::1]", "\u0000", "\u001b[31m", "é",
            "0x10", "NaN", " 1", "1 ", "fxw0", "10.0.0.0/33", "[2001:db8::1]:51820", "10.0.0.1:51820", "\r", "65536",
            "10.0.0.0/8,fd00::/8", TestKeys.From(random), "1795640384",
        ];
        char[] noise = ['\t', '\n', '\r', '\0', ' ', '\u001b', '\u0085', '\u2028', ':', ',', '/', '[', ']', 'x', '9', '-'];

        for (var iteration = 0; iteration < 2000; iteration++)
        {
            var mutated = lines.ToList();
            var index = random.Next(mutated.Count);
            var fields = mutated[index].Split('\t').ToList();
            var field = random.Next(fields.Count);
            string mutation;
            switch (random.Next(8))
            {
                case 0:
                    fields[field] = junk[random.Next(junk.Length)];
                    mutated[index] = string.Join('\t', fields);
                    mutation = $"replaced field {field + 1} of line {index + 1}";
                    break;
                case 1:
                    fields.RemoveAt(field);
                    mutated[index] = string.Join('\t', fields);
                    mutation = $"removed field {field + 1} of line {index + 1}";
                    break;
                case 2:
                    fields.Insert(field, junk[random.Next(junk.Length)]);
                    mutated[index] = string.Join('\t', fields);
                    mutation = $"inserted a field at {field + 1} of line {index + 1}";
                    break;
                case 3:
                    var at = random.Next(mutated[index].Length + 1);
                    mutated[index] = mutated[index].Insert(at, noise[random.Next(noise.Length)].ToString());
                    mutation = $"inserted a character at {at} of line {index + 1}";
                    break;
                case 4:
                    var cut = random.Next(mutated[index].Length);
                    mutated[index] = mutated[index][..cut];
                    mutation = $"cut line {index + 1} at {cut}";
                    break;
                case 5:
                    mutated.RemoveAt(index);
                    mutation = $"dropped line {index + 1}";
                    break;
                case 6:
                    mutated.Insert(index, mutated[index]);
                    mutation = $"doubled line {index + 1}";
                    break;
                default:
                    var other = random.Next(mutated.Count);
                    (mutated[index], mutated[other]) = (mutated[other], mutated[index]);
                    mutation = $"swapped lines {index + 1} and {other + 1}";
                    break;
            }
            var text = string.Join(random.Next(2) == 0 ? "\n" : "\r\n", mutated);
            var context = $"seed {seed}, iteration {iteration}: {mutation}";
            try
            {
                var serialized = JsonSerializer.Serialize(WgDumpParser.Parse(text), Json);
                foreach (var secret in Secrets)
                    Assert.False(serialized.Contains(secret[..40], StringComparison.Ordinal), $"{context}: a secret survived parsing");
            }
            catch (WireGuardParseException error)
            {
                Assert.InRange(error.LineNumber, 1, text.Split('\n').Length);
                AssertNoKeyIn(error.Message, context);
            }
            catch (Exception other)
            {
                Assert.Fail($"{context}: {other.GetType().Name} instead of WireGuardParseException: {other.Message}");
            }
        }
    }

    private static void AssertNoKeyIn(string message, string context)
    {
        foreach (var secret in Secrets)
            Assert.False(message.Contains(secret[..20], StringComparison.Ordinal), $"{context}: the message quotes a secret: {message}");
        Assert.True(WireGuardKey.Redact(message) == message, $"{context}: the message quotes something shaped like a key: {message}");
    }

    private static string Interface(string name = "fxw0", string privateKey = PrivateKey, string publicKey = Fxw0PublicKey,
        string port = "51877", string fwmark = "off") =>
        string.Join('\t', name, privateKey, publicKey, port, fwmark);

    private static string Peer(string interfaceName = "fxw0", string publicKey = Fxw1PublicKey, string presharedKey = PresharedKey,
        string endpoint = "10.250.77.2:51820", string allowedIps = "10.251.77.2/32,fd00:77::2/128", string handshake = "1795640384",
        string rx = "860", string tx = "1096", string keepalive = "25") =>
        string.Join('\t', interfaceName, publicKey, presharedKey, endpoint, allowedIps, handshake, rx, tx, keepalive);
}
