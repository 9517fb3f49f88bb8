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

    public void Dispose() => _pki.Dispose();
}
