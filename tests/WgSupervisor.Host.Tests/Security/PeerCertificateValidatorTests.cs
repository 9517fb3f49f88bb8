using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using WgSupervisor.Host.Security;
using Xunit;

namespace WgSupervisor.Host.Tests.Security;

/// <summary>The remoting validator's decisions, with certificates made here (no handshake: Akka's transport calls the same method).</summary>
public sealed class PeerCertificateValidatorTests : IDisposable
{
    private const string Dialled = "ssl.tcp://wgsupervisor@10.250.200.2:4053";
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly TestPki _cluster = new("cluster CA", Now.AddYears(-1));
    private readonly TestPki _stranger = new("another CA", Now.AddYears(-1));
    private readonly PeerCertificates _peers = new();

    [Fact]
    public void A_certificate_of_the_cluster_CA_is_accepted_and_its_expiry_kept_under_the_peer_address()
    {
        using var peer = _cluster.Certificate("gw-2", TimeSpan.FromDays(90), Now.AddDays(-1));
        var validator = ByCa();

        Assert.True(validator.Validate(peer, null, Dialled, SslPolicyErrors.RemoteCertificateChainErrors, NoLogger.Instance));

        Assert.Equal(new DateTimeOffset(peer.NotAfter.ToUniversalTime()), _peers.ExpiryOf("gw-2", "akka.ssl.tcp://wgsupervisor@10.250.200.2:4053"));
        Assert.Equal(0, validator.Refused);
    }

    [Fact]
    public void A_certificate_of_another_CA_is_refused_naming_its_issuer()
    {
        using var peer = _stranger.Certificate("gw-2", TimeSpan.FromDays(90), Now.AddDays(-1));
        var validator = ByCa();

        Assert.False(validator.Validate(peer, null, Dialled, SslPolicyErrors.None, NoLogger.Instance));

        Assert.Contains("does not chain to the cluster CA", validator.RefusalOf(peer, null, SslPolicyErrors.None));
        Assert.Contains("another CA", validator.RefusalOf(peer, null, SslPolicyErrors.None));
        Assert.Equal(1, validator.Refused);
        Assert.Null(_peers.ExpiryOf("gw-2", "akka.ssl.tcp://wgsupervisor@10.250.200.2:4053"));
    }

    [Fact]
    public void An_expired_certificate_of_the_cluster_CA_is_refused()
    {
        using var peer = _cluster.Certificate("gw-2", TimeSpan.FromDays(30), Now.AddDays(-40));

        Assert.Contains("expired on", ByCa().RefusalOf(peer, null, SslPolicyErrors.None));
    }

    [Fact]
    public void A_certificate_not_yet_valid_is_refused()
    {
        using var peer = _cluster.Certificate("gw-2", TimeSpan.FromDays(30), Now.AddDays(2));

        Assert.Contains("not valid before", ByCa().RefusalOf(peer, null, SslPolicyErrors.None));
    }

    [Fact]
    public void A_peer_without_a_certificate_is_refused()
    {
        var validator = ByCa();

        Assert.False(validator.Validate(null, null, "[::ffff:10.250.200.2]:51282", SslPolicyErrors.RemoteCertificateNotAvailable, NoLogger.Instance));
        Assert.Equal("it presented no certificate", validator.RefusalOf(null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public void A_pinned_thumbprint_is_accepted_and_any_other_certificate_refused()
    {
        using var pinned = _stranger.Certificate("gw-2", TimeSpan.FromDays(90), Now.AddDays(-1));
        using var other = _stranger.Certificate("gw-3", TimeSpan.FromDays(90), Now.AddDays(-1));
        var validator = Validator(new ClusterTlsSettings(CertificateSource.None, null, [pinned.Thumbprint]), []);

        Assert.Null(validator.RefusalOf(pinned, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.Contains("is not pinned", validator.RefusalOf(other, null, SslPolicyErrors.None));
    }

    [Fact]
    public void With_a_CA_and_pins_either_is_enough_but_a_pinned_certificate_must_still_be_valid_now()
    {
        using var pinnedExpired = _stranger.Certificate("gw-2", TimeSpan.FromDays(10), Now.AddDays(-20));
        using var fromTheCa = _cluster.Certificate("gw-3", TimeSpan.FromDays(90), Now.AddDays(-1));
        var validator = Validator(new ClusterTlsSettings(CertificateSource.None, _cluster.CaFile, [pinnedExpired.Thumbprint]), Anchors());

        Assert.Null(validator.RefusalOf(fromTheCa, null, SslPolicyErrors.None));
        Assert.Contains("expired on", validator.RefusalOf(pinnedExpired, null, SslPolicyErrors.None));
    }

    [Fact]
    public void With_hostname_validation_a_certificate_that_does_not_name_the_host_dialled_is_refused()
    {
        using var peer = _cluster.Certificate("gw-2", TimeSpan.FromDays(90), Now.AddDays(-1));
        var strict = Validator(new ClusterTlsSettings(CertificateSource.None, _cluster.CaFile, [], ValidateHostname: true), Anchors());

        Assert.Contains("does not name the host", strict.RefusalOf(peer, null, SslPolicyErrors.RemoteCertificateNameMismatch));
        Assert.Null(ByCa().RefusalOf(peer, null, SslPolicyErrors.RemoteCertificateNameMismatch));
    }

    [Fact]
    public void A_certificate_of_the_CA_chains_to_a_whole_bundle_of_anchors()
    {
        var bundle = Path.Combine(_cluster.Folder, "bundle.crt");
        File.WriteAllText(bundle, _stranger.CaCertificate.ExportCertificatePem() + "\n" + _cluster.CaCertificate.ExportCertificatePem());
        var settings = new ClusterTlsSettings(CertificateSource.None, bundle, []);
        using var peer = _cluster.Certificate("gw-2", TimeSpan.FromDays(90), Now.AddDays(-1));

        Assert.Equal(2, settings.LoadAnchors().Count);
        Assert.Null(Validator(settings, settings.LoadAnchors()).RefusalOf(peer, null, SslPolicyErrors.None));
    }

    private X509Certificate2Collection Anchors() => new ClusterTlsSettings(CertificateSource.None, _cluster.CaFile, []).LoadAnchors();

    private PeerCertificateValidator ByCa() => Validator(new ClusterTlsSettings(CertificateSource.None, _cluster.CaFile, []), Anchors());

    private PeerCertificateValidator Validator(ClusterTlsSettings settings, X509Certificate2Collection anchors) =>
        new(settings, anchors, _peers, new FixedClock(Now));

    public void Dispose()
    {
        _cluster.Dispose();
        _stranger.Dispose();
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
