using WgSupervisor.Host.Security;
using Xunit;

namespace WgSupervisor.Host.Tests.Security;

public sealed class PeerCertificatesTests : IDisposable
{
    private readonly TestPki _pki = new();

    [Theory]
    [InlineData("ssl.tcp://wgsupervisor@10.250.200.2:4053", "akka.ssl.tcp://wgsupervisor@10.250.200.2:4053")]
    [InlineData("akka.ssl.tcp://wgsupervisor@10.250.200.2:4053", "akka.ssl.tcp://wgsupervisor@10.250.200.2:4053")]
    [InlineData("[::ffff:10.250.200.2]:51282", null)]
    public void The_transport_peer_is_named_by_the_Akka_address_of_a_member(string remotePeer, string? address) =>
        Assert.Equal(address, PeerCertificates.AkkaAddressOf(remotePeer));

    [Fact]
    public void A_peer_is_found_by_the_address_dialled_or_else_by_its_certificate_name()
    {
        var peers = new PeerCertificates();
        using var dialled = _pki.Certificate("gw-2", TimeSpan.FromDays(10));
        using var dialledIn = _pki.Certificate("gw-3", TimeSpan.FromDays(20));

        peers.Accepted("ssl.tcp://wgsupervisor@10.250.200.2:4053", dialled);
        peers.Accepted("[::ffff:10.250.200.3]:51282", dialledIn);

        Assert.Equal(new DateTimeOffset(dialled.NotAfter.ToUniversalTime()), peers.ExpiryOf("renamed", "akka.ssl.tcp://wgsupervisor@10.250.200.2:4053"));
        Assert.Equal(new DateTimeOffset(dialledIn.NotAfter.ToUniversalTime()), peers.ExpiryOf("gw-3", "akka.ssl.tcp://wgsupervisor@10.250.200.3:4053"));
        Assert.Null(peers.ExpiryOf("gw-4", "akka.ssl.tcp://wgsupervisor@10.250.200.4:4053"));
        Assert.Null(peers.OwnExpiry);
    }

    [Fact]
    public void A_peer_that_dialled_in_under_another_name_is_found_by_the_non_loopback_address_it_came_from()
    {
        var peers = new PeerCertificates();
        using var dialledIn = _pki.Certificate("cn-not-the-node-name", TimeSpan.FromDays(20));
        using var local = _pki.Certificate("other-local-name", TimeSpan.FromDays(30));

        peers.Accepted("[::ffff:10.250.200.3]:51282", dialledIn);
        peers.Accepted("[::ffff:127.0.0.1]:51283", local);

        Assert.Equal(new DateTimeOffset(dialledIn.NotAfter.ToUniversalTime()), peers.ExpiryOf("n3-run", "akka.ssl.tcp://wgsupervisor@10.250.200.3:4053"));
        // Several nodes may share loopback: an address there names no one.
        Assert.Null(peers.ExpiryOf("n4-run", "akka.ssl.tcp://wgsupervisor@127.0.0.1:4054"));
    }

    [Theory]
    [InlineData("akka.ssl.tcp://wgsupervisor@10.250.200.2:4053", "10.250.200.2")]
    [InlineData("[::ffff:10.250.200.3]:51282", "10.250.200.3")]
    [InlineData("[fd00::3]:51282", "fd00::3")]
    [InlineData("akka.ssl.tcp://wgsupervisor@gw-2.example.net:4053", null)]
    [InlineData("[::1]:51282", null)]
    public void The_host_of_a_peer_is_its_ip_address_unless_a_name_or_loopback(string peer, string? host) =>
        Assert.Equal(host, PeerCertificates.HostOf(peer)?.ToString());

    public void Dispose() => _pki.Dispose();
}
