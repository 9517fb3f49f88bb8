using System.Text.Json;
using System.Text.Json.Nodes;

namespace WgSupervisor.ClusterBenchmarks.Support;

/// <summary>
/// How the nodes of one arm talk to each other: plain TCP (akka.tcp, allowed on 127.0.0.1) or mutual TLS
/// (akka.ssl.tcp, Cluster:Tls with the arm's certificates).
/// </summary>
public sealed record ClusterTransport(string Name, ClusterCertificates? Certificates)
{
    public static readonly ClusterTransport Plaintext = new("plaintext", null);

    public static ClusterTransport Tls(ClusterCertificates certificates) => new("mutual TLS", certificates);

    public string Scheme => Certificates is null ? "akka.tcp" : "akka.ssl.tcp";

    /// <summary>The address of the node on 127.0.0.1:<paramref name="port"/>, as a seed node.</summary>
    public string Seed(int port) => $"{Scheme}://wgsupervisor@127.0.0.1:{port}";

    /// <summary>The configuration with Cluster:Tls added for the node at <paramref name="index"/> when this transport is TLS.</summary>
    public JsonObject Apply(object configuration, int index)
    {
        var json = JsonSerializer.SerializeToNode(configuration)!.AsObject();
        if (Certificates is not null) json["Cluster"]!["Tls"] = JsonSerializer.SerializeToNode(Certificates.Settings(index));
        return json;
    }
}
