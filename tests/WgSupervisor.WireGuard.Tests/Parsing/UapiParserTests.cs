using System.Text.Encodings.Web;
using System.Text.Json;
using WgSupervisor.Domain.Observation;
using WgSupervisor.WireGuard.Parsing;
using Xunit;

namespace WgSupervisor.WireGuard.Tests.Parsing;

/// <summary>
/// Answers of wireguard-go's UAPI socket to `get=1`. The captured answer comes from a throwaway pair of
/// wireguard-go interfaces in two network namespaces (2026-11-25; the lab and its keys are gone).
/// </summary>
internal static class UapiSamples
{
    // The secrets of the captured answer, in both forms (hex on the socket, base64 in wg(8) and confs).
    public const string PrivateKeyHex = "d86ae059f4de25638c7703aaf38a0b36a2d12ea6f59044bba0f17d6c7c743361";
    public const string PrivateKeyBase64 = "2GrgWfTeJWOMdwOq84oLNqLRLqb1kES7oPF9bHx0M2E=";
    public const string PresharedKeyHex = "bdbbde24901a2842141193db02279ddc3453f122500845618b800ce60b9f640c";
    public const string PresharedKeyBase64 = "vbveJJAaKEIUEZPbAied3DRT8SJQCEVhi4AM5gufZAw=";

    // The peer: hex on the socket, and what `wg pubkey` printed for the same key.
    public const string PeerKeyHex = "597ac615b2526d9dbf661fb8c9738c96fd6a540ac563ba07e935c225d9c6ef2e";
    public const string PeerKeyBase64 = "WXrGFbJSbZ2/Zh+4yXOMlv1qVArFY7oH6TXCJdnG7y4=";

    /// <summary>Byte for byte what wireguard-go 0.0.20230223 answered (a blank line ends the answer).</summary>
    public const string Captured =
        "private_key=" + PrivateKeyHex + "\n" +
        "listen_port=51001\n" +
        "public_key=" + PeerKeyHex + "\n" +
        "preshared_key=" + PresharedKeyHex + "\n" +
        "protocol_version=1\n" +
        "endpoint=10.250.99.2:51820\n" +
        "last_handshake_time_sec=1795643377\n" +
        "last_handshake_time_nsec=820544580\n" +
        "tx_bytes=840\n" +
        "rx_bytes=604\n" +
        "persistent_keepalive_interval=5\n" +
        "allowed_ip=10.251.99.2/32\n" +
        "allowed_ip=fd00:99::2/128\n" +
        "errno=0\n" +
        "\n";

    public const string HubPeer2Hex = "0000000000000000000000000000000000000000000000000000000000000001";
    public const string HubPeer3Hex = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

    /// <summary>A hub interface with three peers, in wireguard-go's order: one with an IPv6 endpoint, one that never handshook.</summary>
    public const string Hub =
        "private_key=" + PrivateKeyHex + "\n" +
        "listen_port=51820\n" +
        "fwmark=51820\n" +
        "public_key=" + PeerKeyHex + "\n" +
        "preshared_key=" + PresharedKeyHex + "\n" +
        "protocol_version=1\n" +
        "endpoint=10.250.99.2:51820\n" +
        "last_handshake_time_sec=1795643377\n" +
        "last_handshake_time_nsec=820544580\n" +
        "tx_bytes=840\n" +
        "rx_bytes=604\n" +
        "persistent_keepalive_interval=25\n" +
        "allowed_ip=10.251.99.2/32\n" +
        "public_key=" + HubPeer2Hex + "\n" +
        "preshared_key=" + PresharedKeyHex + "\n" +
        "protocol_version=1\n" +
        "endpoint=[fd00:99::3]:51999\n" +
        "last_handshake_time_sec=1795643300\n" +
        "last_handshake_time_nsec=999999999\n" +
        "tx_bytes=9223372036854775807\n" +
        "rx_bytes=0\n" +
        "persistent_keepalive_interval=0\n" +
        "allowed_ip=10.251.98.0/24\n" +
        "allowed_ip=fd00:98::/64\n" +
        "public_key=" + HubPeer3Hex + "\n" +
        "preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n" +
        "protocol_version=1\n" +
        "last_handshake_time_sec=0\n" +
        "last_handshake_time_nsec=0\n" +
        "tx_bytes=0\n" +
        "rx_bytes=0\n" +
        "persistent_keepalive_interval=0\n" +
        "errno=0\n" +
        "\n";

    public static readonly string[] SecretForms = [PrivateKeyHex, PrivateKeyBase64, PresharedKeyHex, PresharedKeyBase64];

    public static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize(InterfaceStatus status) => JsonSerializer.Serialize(status, Json);

    /// <summary>Every run of <paramref name="length"/> characters of every form of every secret.</summary>
    public static readonly string[] SecretFragments = SecretForms
        .SelectMany(secret => Enumerable.Range(0, secret.Length - 16 + 1).Select(i => secret.Substring(i, 16)))
        .Distinct(StringComparer.Ordinal)
        .ToArray();

    /// <summary>The first fragment (16 characters) of a secret that <paramref name="text"/> contains, or null.</summary>
    public static string? LeakedFragment(string text) =>
        SecretFragments.FirstOrDefault(fragment => text.Contains(fragment, StringComparison.OrdinalIgnoreCase));
}

public sealed class UapiParserTests
{
    [Fact]
    public void The_captured_answer_gives_the_listen_port_and_one_peer_with_every_field()
    {
        var status = UapiParser.Parse("wgcap0", UapiSamples.Captured);

        Assert.Equal("wgcap0", status.Name);
        Assert.Null(status.PublicKey); // get=1 does not say the interface's own public key, and the private one is not read
        Assert.Equal(51001, status.ListenPort);
        var peer = Assert.Single(status.Peers);
        Assert.Equal(UapiSamples.PeerKeyBase64, peer.PublicKey);
        Assert.Equal("10.250.99.2:51820", peer.Endpoint);
        Assert.Equal(["10.251.99.2/32", "fd00:99::2/128"], peer.AllowedIps);
        Assert.Equal(604, peer.RxBytes);
        Assert.Equal(840, peer.TxBytes);
        Assert.Equal(5, peer.PersistentKeepaliveSeconds);
    }

    [Fact]
    public void Hex_public_keys_become_the_base64_keys_that_wg_prints()
    {
        var status = UapiParser.Parse("wghub0", UapiSamples.Hub);

        Assert.Equal(
            [
                UapiSamples.PeerKeyBase64,
                Convert.ToBase64String(Convert.FromHexString(UapiSamples.HubPeer2Hex)),
                Convert.ToBase64String(Convert.FromHexString(UapiSamples.HubPeer3Hex)),
            ],
            status.Peers.Select(p => p.PublicKey));
        Assert.Equal("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE=", status.Peers[1].PublicKey);
        Assert.All(status.Peers, p => Assert.True(WireGuardKey.IsValid(p.PublicKey), p.PublicKey));
        Assert.NotNull(status.FindPeer(UapiSamples.PeerKeyBase64));
    }

    [Fact]
    public void The_handshake_keeps_its_nanoseconds_to_the_tick_in_utc()
    {
        var status = UapiParser.Parse("wghub0", UapiSamples.Hub);

        var first = status.Peers[0].LatestHandshake!.Value;
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795643377).AddTicks(8_205_445), first); // 820 544 580 ns = 8 205 445.8 ticks
        Assert.Equal(TimeSpan.Zero, first.Offset);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795643300).AddTicks(9_999_999), status.Peers[1].LatestHandshake);
    }

    [Fact]
    public void A_peer_that_never_handshook_has_no_handshake_no_endpoint_no_allowed_ips_and_keepalive_off()
    {
        var peer = UapiParser.Parse("wghub0", UapiSamples.Hub).Peers[2];

        Assert.Null(peer.LatestHandshake);
        Assert.Null(peer.Endpoint);
        Assert.Empty(peer.AllowedIps);
        Assert.Equal(0, peer.RxBytes);
        Assert.Null(peer.PersistentKeepaliveSeconds);
    }

    [Fact]
    public void A_hub_answer_keeps_each_peers_own_fields_fwmark_and_protocol_version_are_ignored()
    {
        var status = UapiParser.Parse("wghub0", UapiSamples.Hub);

        Assert.Equal(51820, status.ListenPort);
        Assert.Equal(3, status.Peers.Count);
        Assert.Equal(25, status.Peers[0].PersistentKeepaliveSeconds);
        Assert.Equal(["10.251.99.2/32"], status.Peers[0].AllowedIps);
        Assert.Equal("[fd00:99::3]:51999", status.Peers[1].Endpoint);
        Assert.Equal(["10.251.98.0/24", "fd00:98::/64"], status.Peers[1].AllowedIps);
        Assert.Equal(long.MaxValue, status.Peers[1].TxBytes);
        Assert.Null(status.Peers[1].PersistentKeepaliveSeconds);
    }

    [Fact]
    public void An_interface_without_peers_and_listen_port_zero_has_no_port_and_no_peers()
    {
        var status = UapiParser.Parse("wg9", $"private_key={UapiSamples.PrivateKeyHex}\nlisten_port=0\nerrno=0\n\n");

        Assert.Null(status.ListenPort);
        Assert.Empty(status.Peers);
    }

    [Fact]
    public void Crlf_line_ends_blank_lines_and_no_final_blank_line_parse_like_the_original()
    {
        var expected = UapiSamples.Serialize(UapiParser.Parse("wghub0", UapiSamples.Hub));
        var lines = UapiSamples.Hub.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(expected, UapiSamples.Serialize(UapiParser.Parse("wghub0", string.Join("\r\n", lines) + "\r\n\r\n")));
        Assert.Equal(expected, UapiSamples.Serialize(UapiParser.Parse("wghub0", "\n" + string.Join("\n\n", lines))));
        Assert.Equal(expected, UapiSamples.Serialize(UapiParser.Parse("wghub0", string.Join("\n", lines))));
    }

    [Theory]
    [InlineData("captured")]
    [InlineData("hub")]
    public void No_private_or_preshared_key_in_hex_or_base64_survives_parsing(string which)
    {
        var answer = which == "hub" ? UapiSamples.Hub : UapiSamples.Captured;
        foreach (var hex in new[] { UapiSamples.PrivateKeyHex, UapiSamples.PresharedKeyHex })
            Assert.Contains(hex, answer, StringComparison.Ordinal);

        var serialized = UapiSamples.Serialize(UapiParser.Parse("wgcap0", answer));

        // The serialization does carry a key (the peer's public one), so an absent secret means it was dropped.
        Assert.Contains(UapiSamples.PeerKeyBase64, serialized, StringComparison.Ordinal);
        Assert.Null(UapiSamples.LeakedFragment(serialized));
    }

    [Theory]
    [InlineData("errno=1", "errno=1")]
    [InlineData("errno=22", "errno=22")]
    [InlineData("errno=2147483648", "errno=2147483647")]
    public void A_device_error_is_a_parse_error_that_says_the_errno(string errnoLine, string expected)
    {
        var answer = UapiSamples.Captured.Replace("errno=0", errnoLine, StringComparison.Ordinal);

        var error = Assert.Throws<WireGuardParseException>(() => UapiParser.Parse("wgcap0", answer));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal("UAPI get=1", error.InputName);
        Assert.Null(UapiSamples.LeakedFragment(error.Message));
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("private_key=" + UapiSamples.PrivateKeyHex + "\nlisten_port=51001\n")]
    public void An_answer_without_errno_is_a_parse_error(string answer)
    {
        var error = Assert.Throws<WireGuardParseException>(() => UapiParser.Parse("wgcap0", answer));

        Assert.Contains("without errno", error.Message, StringComparison.Ordinal);
        Assert.Null(UapiSamples.LeakedFragment(error.Message));
    }

    [Fact]
    public void A_captured_answer_cut_before_its_errno_is_a_parse_error()
    {
        var cut = UapiSamples.Captured[..UapiSamples.Captured.IndexOf("errno=", StringComparison.Ordinal)];

        var error = Assert.Throws<WireGuardParseException>(() => UapiParser.Parse("wgcap0", cut));

        Assert.Contains("without errno", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, int> MalformedAnswers()
    {
        var head = $"private_key={UapiSamples.PrivateKeyHex}\nlisten_port=51001\npublic_key={UapiSamples.PeerKeyHex}\n"; // the bad line is line 4
        const string tail = "\nerrno=0\n\n";
        return new TheoryData<string, string, int>
        {
            // Lines that are not key=value.
            { "a word", head + "garbage" + tail, 4 },
            { "a line starting with =", head + "=1" + tail, 4 },
            { "the private key alone on a line", head + UapiSamples.PrivateKeyHex + tail, 4 },
            { "the preshared key in base64 alone on a line", head + UapiSamples.PresharedKeyBase64 + tail, 4 },
            { "a NUL inside a value", head + "rx_bytes=60\u00004" + tail, 4 },
            { "an escape sequence", head + "\u001b[31mrx_bytes=1" + tail, 4 },
            { "a bare CR inside a line", head + "rx_bytes=6\r04" + tail, 4 },
            { "a C1 control character", head + "tx_bytes=1\u0085" + tail, 4 },
            // Keys.
            { "an unknown key", head + "color=blue" + tail, 4 },
            { "a key in upper case", head + "RX_BYTES=1" + tail, 4 },
            { "a key with a space", head + "rx_bytes =1" + tail, 4 },
            { "the private key as a key", head + UapiSamples.PrivateKeyHex + "=1" + tail, 4 },
            { "the preshared key in base64 as a key", head + UapiSamples.PresharedKeyBase64 + "=1" + tail, 4 },
            { "a peer field before the first peer", $"private_key={UapiSamples.PrivateKeyHex}\nlisten_port=1\nendpoint=1.2.3.4:5{tail}", 3 },
            { "listen_port after a peer", head + "listen_port=51001" + tail, 4 },
            // Public keys.
            { "public key 63 hex digits", head + "public_key=" + UapiSamples.PeerKeyHex[..63] + tail, 4 },
            { "public key 65 hex digits", head + "public_key=" + UapiSamples.PeerKeyHex + "0" + tail, 4 },
            { "public key not hex", head + "public_key=" + new string('g', 64) + tail, 4 },
            { "public key in base64", head + "public_key=" + UapiSamples.PeerKeyBase64 + tail, 4 },
            { "public key is the private key less a digit", head + "public_key=" + UapiSamples.PrivateKeyHex[1..] + tail, 4 },
            { "public key is the preshared key with a space", head + "public_key= " + UapiSamples.PresharedKeyHex[1..] + tail, 4 },
            { "public key empty", head + "public_key=" + tail, 4 },
            // Numbers.
            { "handshake seconds negative", head + "last_handshake_time_sec=-1" + tail, 4 },
            { "handshake seconds beyond long", head + "last_handshake_time_sec=99999999999999999999" + tail, 4 },
            { "handshake nanoseconds of a whole second", head + "last_handshake_time_nsec=1000000000" + tail, 4 },
            { "handshake nanoseconds fractional", head + "last_handshake_time_nsec=1.5" + tail, 4 },
            { "rx with a plus sign", head + "rx_bytes=+1" + tail, 4 },
            { "rx with a leading space", head + "rx_bytes= 1" + tail, 4 },
            { "rx beyond long", head + "rx_bytes=9223372036854775808" + tail, 4 },
            { "tx hexadecimal", head + "tx_bytes=0x10" + tail, 4 },
            { "tx in arabic-indic digits", head + "tx_bytes=\u0661\u0662" + tail, 4 },
            { "tx in fullwidth digits", head + "tx_bytes=\uff11\uff12" + tail, 4 },
            { "keepalive 65536", head + "persistent_keepalive_interval=65536" + tail, 4 },
            { "keepalive off", head + "persistent_keepalive_interval=off" + tail, 4 },
            { "listen port 65536", $"listen_port=65536{tail}", 1 },
            { "listen port negative", $"listen_port=-1{tail}", 1 },
            { "errno negative", head + "errno=-1\n\n", 4 },
            { "errno a word", head + "errno=EINVAL\n\n", 4 },
            // Allowed IPs.
            { "allowed ip prefix too long", head + "allowed_ip=10.0.0.0/33" + tail, 4 },
            { "allowed ip two at once", head + "allowed_ip=10.0.0.0/8,10.1.0.0/16" + tail, 4 },
            { "allowed ip a word", head + "allowed_ip=banana" + tail, 4 },
            // Order.
            { "data after errno", head + "errno=0\nrx_bytes=1\n\n", 5 },
            { "errno twice", head + "errno=0\nerrno=0\n\n", 5 },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedAnswers))]
    public void Malformed_answers_throw_a_parse_exception_naming_the_line_and_quoting_no_secret(string what, string answer, int line)
    {
        var error = AssertRejected(what, answer, line);

        Assert.Equal("UAPI get=1", error.InputName);
    }

    private const string Head = $"private_key={UapiSamples.PrivateKeyHex}\nlisten_port=51001\npublic_key={UapiSamples.PeerKeyHex}\n";

    [Theory]
    [InlineData("gw.example.net:51820")]
    [InlineData("10.250.99.2")]
    [InlineData("10.250.99.2:0")]
    [InlineData("10.250.99.2:65536")]
    [InlineData("[fd00::1]")]
    [InlineData("")]
    public void Malformed_endpoints_throw_a_parse_exception_naming_the_line_and_quoting_no_secret(string endpoint)
    {
        AssertRejected($"endpoint '{endpoint}'", $"{Head}endpoint={endpoint}\nerrno=0\n\n", 4);
    }

    [Fact]
    public void A_malformed_endpoint_is_reported_as_an_error_of_the_uapi_answer()
    {
        var error = Assert.Throws<WireGuardParseException>(() => UapiParser.Parse("wgcap0", $"{Head}endpoint=gw.example.net:51820\nerrno=0\n\n"));

        Assert.Equal("UAPI get=1", error.InputName);
        Assert.StartsWith("UAPI get=1, line 4:", error.Message, StringComparison.Ordinal);
    }

    private static WireGuardParseException AssertRejected(string what, string answer, int line)
    {
        var error = Assert.Throws<WireGuardParseException>(() => UapiParser.Parse("wgcap0", answer));

        Assert.True(error.LineNumber == line, $"{what}: expected line {line}, got {error.LineNumber} ({error.Message})");
        Assert.Contains($"line {line}:", error.Message, StringComparison.Ordinal);
        Assert.True(UapiSamples.LeakedFragment(error.Message) is null, $"{what}: the message quotes a secret: {error.Message}");
        Assert.True(WireGuardKey.Redact(error.Message) == error.Message, $"{what}: the message quotes something shaped like a key: {error.Message}");
        return error;
    }

    [Theory]
    [InlineData(40)]
    [InlineData(32)]
    [InlineData(17)]
    public void A_fragment_of_a_secret_in_the_key_position_is_not_quoted(int length)
    {
        // A torn or corrupted answer can start a line with part of the private key's hex. The message may
        // name known keys, but must not echo arbitrary input that could be key material.
        var answer = $"{UapiSamples.PrivateKeyHex[..length]}=1\nerrno=0\n\n";

        var error = Assert.Throws<WireGuardParseException>(() => UapiParser.Parse("wgcap0", answer));

        Assert.True(UapiSamples.LeakedFragment(error.Message) is null, $"the message quotes {length} hex digits of the private key: {error.Message}");
    }

    [Fact]
    public void Null_input_is_an_argument_error_not_a_parse_error()
    {
        Assert.Throws<ArgumentNullException>(() => UapiParser.Parse("wgcap0", null!));
    }
}
