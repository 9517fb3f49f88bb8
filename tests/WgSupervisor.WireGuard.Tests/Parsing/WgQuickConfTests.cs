using System.Text.Json;
using WgSupervisor.WireGuard.Parsing;
using WgSupervisor.WireGuard.Tests.Support;
using Xunit;

namespace WgSupervisor.WireGuard.Tests.Parsing;

/// <summary>
/// The wg-quick conf reader: which peers it finds and what it keeps of them. It is lenient by design (wg-quick
/// itself is the judge of a conf): lines it cannot use are skipped, not reported, so these tests pin down
/// what is skipped. It never keeps a private or preshared key; only <see cref="WgQuickConf.ReadPresharedKey"/>
/// reads the latter, for `wg set`'s stdin.
/// </summary>
public sealed class WgQuickConfTests
{
    private const string PrivateKey = "6s3s793bsDhvihBt9F3ccRiEBS363TwwKiyR16A1HxU=";
    private const string PresharedKey = "PovrbHYxbn+Jk75rzHfu3N5qiC2yD8JRybmaQ4UV97Y=";
    private const string OtherPresharedKey = "W8wKd7qz3b0W7oWc8mQ3eQ0yq9FvXbN1a2c3d4e5f6g=";
    private const string SiteA = "8yZX5jVtgLf8MFKUdf0LtPn8tvnO6YU3Y0knjUOSX0A=";
    private const string SiteB = "eSxeQ4jY/hZ8qYchlE3KnPoUbluIBVHCirs7Y+n8Wg8=";
    private const string SiteC = "xgAWmD3LEMTmHD8bUriayuYaNcmige3BMhqjGo0CfHs=";

    private const string Hub = $"""
        # hub of three sites
        [Interface]
        PrivateKey = {PrivateKey}
        Address = 10.251.0.1/24
        ListenPort = 51820
        PostUp = echo up # a command with a comment

        [Peer] # site a
        PublicKey = {SiteA}
        PresharedKey = {PresharedKey}
        AllowedIPs = 10.251.0.2/32, 10.251.1.0/24
        AllowedIPs = fd00:251::2/128
        Endpoint = site-a.example.net:51820
        PersistentKeepalive = 25

        [peer]
        publickey={SiteB}
          allowedips =10.251.0.3/32
        ENDPOINT = [fd00::b]:51821
        PresharedKey = {OtherPresharedKey}

        [Peer]
        PublicKey = {SiteC}
        """;

    private static IReadOnlyList<ConfPeer> Parse(string text) => WgQuickConf.ParsePeers(text.Split('\n'));

    [Fact]
    public void Every_peer_section_gives_one_peer_in_order_and_the_interface_section_none()
    {
        var peers = Parse(Hub);

        Assert.Equal([SiteA, SiteB, SiteC], peers.Select(p => p.PublicKey));
    }

    [Fact]
    public void A_peer_keeps_its_allowed_ips_from_every_line_its_endpoint_and_its_keepalive()
    {
        var siteA = Parse(Hub)[0];

        Assert.Equal(["10.251.0.2/32", "10.251.1.0/24", "fd00:251::2/128"], siteA.AllowedIps);
        Assert.Equal("site-a.example.net:51820", siteA.Endpoint);
        Assert.Equal(25, siteA.PersistentKeepalive);
        Assert.True(siteA.HasPresharedKey);
    }

    [Fact]
    public void Section_names_and_keys_are_case_insensitive_and_spaces_around_them_do_not_matter()
    {
        var siteB = Parse(Hub)[1];

        Assert.Equal(SiteB, siteB.PublicKey);
        Assert.Equal(["10.251.0.3/32"], siteB.AllowedIps);
        Assert.True(siteB.HasPresharedKey);
    }

    [Theory]
    [InlineData("site-a.example.net:51820")]
    [InlineData("10.250.0.2:51820")]
    [InlineData("[fd00::b]:51821")]
    [InlineData("[2001:db8::1]:1")]
    public void An_endpoint_is_kept_as_written_host_and_port_or_bracketed_v6_and_port(string endpoint)
    {
        var peer = Assert.Single(Parse($"[Peer]\nPublicKey = {SiteA}\nEndpoint = {endpoint}\n"));

        Assert.Equal(endpoint, peer.Endpoint);
    }

    [Fact]
    public void Missing_fields_are_empty_not_errors()
    {
        var siteC = Parse(Hub)[2];

        Assert.Empty(siteC.AllowedIps);
        Assert.Null(siteC.Endpoint);
        Assert.Null(siteC.PersistentKeepalive);
        Assert.False(siteC.HasPresharedKey);
    }

    [Fact]
    public void A_peer_section_without_a_public_key_is_no_peer()
    {
        var peers = Parse($"[Peer]\nAllowedIPs = 10.0.0.0/8\nEndpoint = a.example:1\n[Peer]\nPublicKey = {SiteB}\n");

        Assert.Equal([SiteB], peers.Select(p => p.PublicKey));
    }

    [Theory]
    [InlineData("off")]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("25s")]
    [InlineData("")]
    [InlineData("99999999999")]
    public void A_keepalive_that_is_not_a_positive_number_means_none(string value)
    {
        var peer = Assert.Single(Parse($"[Peer]\nPublicKey = {SiteA}\nPersistentKeepalive = {value}\n"));

        Assert.Null(peer.PersistentKeepalive);
    }

    [Fact]
    public void Comments_are_cut_at_the_first_hash_wherever_it_is()
    {
        var peers = Parse($"""
            [Peer]  # the only one
            PublicKey = {SiteA} # site a
            # Endpoint = commented.example:1
            AllowedIPs = 10.251.0.2/32 # , 10.9.9.9/32
            Endpoint = a.example:51820#no space
            """);

        var peer = Assert.Single(peers);
        Assert.Equal(SiteA, peer.PublicKey);
        Assert.Equal(["10.251.0.2/32"], peer.AllowedIps);
        Assert.Equal("a.example:51820", peer.Endpoint);
    }

    [Fact]
    public void Garbage_lines_and_unknown_keys_are_skipped_and_the_rest_of_the_peer_is_still_read()
    {
        var peers = Parse($"""
            [Peer]
            this line has no equals sign
            = value without a key
            ===
            PublicKey = {SiteA}
            Unknown = whatever
            AllowedIPs = ,, 10.251.0.2/32 ,,
            Endpoint = a.example:51820
            """);

        var peer = Assert.Single(peers);
        Assert.Equal(["10.251.0.2/32"], peer.AllowedIps);
        Assert.Equal("a.example:51820", peer.Endpoint);
    }

    [Fact]
    public void Any_other_section_ends_the_peer_before_it_and_its_keys_belong_to_no_peer()
    {
        var peers = Parse($"""
            [Peer]
            PublicKey = {SiteA}
            AllowedIPs = 10.251.0.2/32
            [Something]
            PublicKey = {SiteB}
            AllowedIPs = 10.9.9.9/32
            Endpoint = elsewhere.example:1
            """);

        var peer = Assert.Single(peers);
        Assert.Equal(SiteA, peer.PublicKey);
        Assert.Equal(["10.251.0.2/32"], peer.AllowedIps);
        Assert.Null(peer.Endpoint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n   \n")]
    [InlineData("[Interface]\nPrivateKey = x\n")]
    [InlineData("PublicKey = 8yZX5jVtgLf8MFKUdf0LtPn8tvnO6YU3Y0knjUOSX0A=\n")]
    [InlineData("\u0000\u001b[2J\ud800 é 😀\n[\n]")]
    public void A_conf_without_peer_sections_has_no_peers(string text)
    {
        Assert.Empty(Parse(text));
    }

    [Fact]
    public void No_private_or_preshared_key_is_kept_in_what_the_reader_returns()
    {
        var serialized = JsonSerializer.Serialize(Parse(Hub));

        Assert.Contains(SiteA, serialized, StringComparison.Ordinal);
        Assert.DoesNotContain(PrivateKey[..16], serialized, StringComparison.Ordinal);
        Assert.DoesNotContain(PresharedKey[..16], serialized, StringComparison.Ordinal);
        Assert.DoesNotContain(OtherPresharedKey[..16], serialized, StringComparison.Ordinal);
    }

    [Fact]
    public void The_preshared_key_is_read_for_the_one_peer_asked_for()
    {
        using var conf = new TempConf(Hub);

        Assert.Equal(PresharedKey, WgQuickConf.ReadPresharedKey(conf.Path, SiteA));
        Assert.Equal(OtherPresharedKey, WgQuickConf.ReadPresharedKey(conf.Path, SiteB));
        Assert.Null(WgQuickConf.ReadPresharedKey(conf.Path, SiteC));
        Assert.Null(WgQuickConf.ReadPresharedKey(conf.Path, "not a peer of this conf"));
    }

    [Fact]
    public void The_preshared_key_of_the_last_peer_in_the_file_is_found_too()
    {
        using var conf = new TempConf($"[Peer]\nPublicKey = {SiteB}\n[Peer]\nPresharedKey = {PresharedKey} # key first\nPublicKey = {SiteA}");

        Assert.Equal(PresharedKey, WgQuickConf.ReadPresharedKey(conf.Path, SiteA));
        Assert.Null(WgQuickConf.ReadPresharedKey(conf.Path, SiteB));
    }

    [Fact]
    public void Find_peer_reads_the_file_and_a_missing_file_declares_no_peer()
    {
        using var conf = new TempConf(Hub);

        Assert.Equal(Parse(Hub)[1].Endpoint, WgQuickConf.FindPeer(conf.Path, SiteB)?.Endpoint);
        Assert.Equal([SiteA, SiteB, SiteC], WgQuickConf.ReadPeers(conf.Path).Select(p => p.PublicKey));
        Assert.Null(WgQuickConf.FindPeer(conf.Path, "not a peer of this conf"));
        Assert.Null(WgQuickConf.FindPeer(conf.Missing, SiteA));
    }
}
