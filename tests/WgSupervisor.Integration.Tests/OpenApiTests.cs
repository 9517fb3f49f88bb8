using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using WgSupervisor.Integration.Tests.Support;
using WgSupervisor.WireGuard.Simulation;
using Xunit.Abstractions;

namespace WgSupervisor.Integration.Tests;

/// <summary>
/// The admin API's OpenAPI document (/openapi/v1.json of a running host): Redocly's recommended rules find no error in it
/// (tools/openapi, the pinned @redocly/cli), and every operation it lists answers, for real, what it says: each answer's
/// status is one the document gives for the operation, with its media type, and each JSON body is valid against the
/// document's schema for that status.
/// </summary>
public sealed class OpenApiTests(ITestOutputHelper output)
{
    private const string ReadToken = "openapi-read-token-8d2e61b0c4";
    private const string SiteName = "lab";
    private const string SiteTunnel = "edge-lab";
    private static readonly TimeSpan LintLimit = TimeSpan.FromSeconds(120);
    /// <summary>For a command's effect on the running host (and its history in the journal): generous, as it costs nothing when things
    /// work and a loaded CI machine can take seconds (this was 10 s).</summary>
    private static readonly TimeSpan CommandLimit = TimeSpan.FromSeconds(60);
    private static readonly string ToolsFolder = Path.Combine(Prerequisites.RepositoryRoot, "tools", "openapi");

    [SkippableFact]
    public async Task The_document_passes_the_redocly_linters_recommended_rules_with_no_error()
    {
        var cli = RequireRedocly();
        var (supervisor, config) = await SimulatedSupervisor.StartAsync(tunnels: 2, breakEverySeconds: 1000);
        await using var _ = supervisor;
        using var __ = config;
        var document = Path.Combine(config.Directory, "openapi.json");
        await File.WriteAllTextAsync(document, await supervisor.Http.GetStringAsync("/openapi/v1.json"));

        var (exitCode, text) = await OwnProcess.RunAsync("node",
            [cli, "lint", "--config", Path.Combine(ToolsFolder, "redocly.yaml"), "--format", "json", document], LintLimit,
            // No telemetry and no update check: the test talks to nothing but its own host.
            environment: new Dictionary<string, string> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" });

        var report = JsonNode.Parse(text[..(text.LastIndexOf('}') + 1)][text.IndexOf('{')..])!;
        var errors = report["totals"]!["errors"]!.GetValue<int>();
        var warnings = report["totals"]!["warnings"]!.GetValue<int>();
        var problems = report["problems"]!.AsArray()
            .Select(p => $"{p!["severity"]} {p["ruleId"]}: {p["message"]} at {p["location"]?[0]?["pointer"]}").ToList();
        output.WriteLine($"redocly lint: {errors} errors, {warnings} warnings\n{string.Join('\n', problems)}");
        Assert.True(errors == 0 && exitCode == 0, $"redocly lint found {errors} errors (exit {exitCode}):\n{string.Join('\n', problems)}");
    }

    [Fact]
    public async Task Every_operation_of_the_document_answers_what_the_document_says()
    {
        using var config = new SupervisorConfigFile(new { });
        var port = SupervisorProcess.FreePort();
        config.Write(OffLoopbackWorld(config, port));
        await using var supervisor = await SupervisorProcess.StartAsync(new SupervisorStart(config.FilePath)
        {
            BaseUrl = new Uri($"http://127.0.0.1:{port}"),
            Environment = new Dictionary<string, string> { ["WGSUPERVISOR_ADMIN_READ_TOKEN"] = ReadToken },
            WithoutInheritedOverrides = true,
        });
        using var reader = Client(supervisor.BaseUrl, ReadToken);
        using var anonymous = Client(supervisor.BaseUrl, null);
        using var wrong = Client(supervisor.BaseUrl, "not-a-token-of-this-supervisor");
        var admin = supervisor.Http;
        var contract = new Contract(JsonNode.Parse(await admin.GetStringAsync("/openapi/v1.json"))!.AsObject(), output);

        var tunnels = JsonNode.Parse(await contract.CheckAsync(reader, HttpMethod.Get, "/api/tunnels"))!.AsArray();
        var other = tunnels.Select(t => t!["name"]!.GetValue<string>()).First(n => n != SiteTunnel);
        Assert.Contains(tunnels, t => t!["name"]!.GetValue<string>() == SiteTunnel && t["site"]?.GetValue<string>() == SiteName);

        // Health and metrics.
        await contract.CheckAsync(anonymous, HttpMethod.Get, "/healthz");
        await contract.CheckAsync(anonymous, HttpMethod.Get, "/readyz");
        await contract.CheckAsync(reader, HttpMethod.Get, "/metrics");
        await contract.CheckAsync(anonymous, HttpMethod.Get, "/metrics");
        // The dashboard.
        await contract.CheckAsync(reader, HttpMethod.Get, "/");
        await contract.CheckAsync(anonymous, HttpMethod.Get, "/");
        await contract.CheckAsync(reader, HttpMethod.Get, "/dashboard/{file}", "/dashboard/dashboard.js");
        await contract.CheckAsync(reader, HttpMethod.Get, "/dashboard/{file}", "/dashboard/missing.txt");
        // Reads, each with a refusal or a bad parameter.
        await contract.CheckAsync(reader, HttpMethod.Get, "/api/tunnels", "/api/tunnels?state=broken");
        await contract.CheckAsync(anonymous, HttpMethod.Get, "/api/tunnels");
        var tunnel = JsonNode.Parse(await contract.CheckAsync(reader, HttpMethod.Get, "/api/tunnels/{name}", $"/api/tunnels/{SiteTunnel}"))!.AsObject();
        // The checks can fail: the same answer without its name, or with a count as text, is not what the document says.
        var nameless = tunnel.DeepClone().AsObject();
        nameless.Remove("name");
        contract.AssertInvalid("TunnelResource", nameless);
        contract.AssertInvalid("TunnelResource", WithValue(tunnel, "rxBytes", "many"));
        await contract.CheckAsync(reader, HttpMethod.Get, "/api/tunnels/{name}", "/api/tunnels/nope");
        await contract.CheckAsync(reader, HttpMethod.Get, "/api/tunnels/{name}", "/api/tunnels/a%3Bb");
        await contract.CheckAsync(reader, HttpMethod.Get, "/api/tunnels/{name}/samples", $"/api/tunnels/{SiteTunnel}/samples");
        await contract.CheckAsync(reader, HttpMethod.Get, "/api/tunnels/{name}/samples", "/api/tunnels/nope/samples");
        await contract.CheckAsync(reader, HttpMethod.Get, "/api/nodes");
        await contract.CheckAsync(anonymous, HttpMethod.Get, "/api/nodes");
        await contract.CheckAsync(reader, HttpMethod.Get, "/api/fleet");
        await contract.CheckAsync(anonymous, HttpMethod.Get, "/api/fleet");
        await contract.CheckAsync(reader, HttpMethod.Get, "/api/config");
        await contract.CheckAsync(anonymous, HttpMethod.Get, "/api/config");
        await contract.CheckAsync(reader, HttpMethod.Get, "/api/stream");
        await contract.CheckAsync(anonymous, HttpMethod.Get, "/api/stream");

        // Commands: the admin token changes, the read token is refused; each command also with an answer that says no.
        await contract.CheckAsync(reader, HttpMethod.Post, "/api/tunnels/{name}/restart", $"/api/tunnels/{SiteTunnel}/restart");
        await contract.CheckAsync(admin, HttpMethod.Post, "/api/tunnels/{name}/restart", $"/api/tunnels/{other}/restart");
        await contract.CheckAsync(admin, HttpMethod.Post, "/api/tunnels/{name}/pause", $"/api/tunnels/{SiteTunnel}/pause",
            JsonContent.Create(new { reason = "contract test" }));
        await supervisor.WaitForStateAsync(SiteTunnel, "paused", CommandLimit);
        await contract.CheckAsync(admin, HttpMethod.Post, "/api/tunnels/{name}/restart", $"/api/tunnels/{SiteTunnel}/restart");
        await contract.CheckAsync(admin, HttpMethod.Post, "/api/tunnels/{name}/pause", "/api/tunnels/nope/pause");
        await contract.CheckAsync(admin, HttpMethod.Post, "/api/tunnels/{name}/resume", $"/api/tunnels/{SiteTunnel}/resume");
        await contract.CheckAsync(reader, HttpMethod.Post, "/api/tunnels/{name}/resume", $"/api/tunnels/{SiteTunnel}/resume");
        await contract.CheckAsync(admin, HttpMethod.Post, "/api/tunnels/{name}/release", $"/api/tunnels/{SiteTunnel}/release");
        await contract.CheckAsync(anonymous, HttpMethod.Post, "/api/tunnels/{name}/release", $"/api/tunnels/{SiteTunnel}/release");
        await contract.CheckAsync(admin, HttpMethod.Post, "/api/tunnels/{name}/move", $"/api/tunnels/{SiteTunnel}/move");
        await contract.CheckAsync(admin, HttpMethod.Post, "/api/tunnels/{name}/move", $"/api/tunnels/{SiteTunnel}/move?to=elsewhere");
        await contract.CheckAsync(admin, HttpMethod.Post, "/api/sites/{site}/pause", $"/api/sites/{SiteName}/pause",
            JsonContent.Create(new { reason = "site work" }));
        await contract.CheckAsync(admin, HttpMethod.Post, "/api/sites/{site}/pause", "/api/sites/nowhere/pause");
        await contract.CheckAsync(admin, HttpMethod.Post, "/api/sites/{site}/resume", $"/api/sites/{SiteName}/resume");
        await contract.CheckAsync(admin, HttpMethod.Post, "/api/sites/{site}/resume", "/api/sites/no%20such%20site/resume");

        // History, once the commands above are in the journal.
        await supervisor.WaitForEventSequenceAsync(SiteTunnel, CommandLimit, "paused", "resumed");
        var history = JsonNode.Parse(await contract.CheckAsync(reader, HttpMethod.Get, "/api/tunnels/{name}/events", $"/api/tunnels/{SiteTunnel}/events"))!;
        Assert.NotEmpty(history.AsArray());
        await contract.CheckAsync(reader, HttpMethod.Get, "/api/tunnels/{name}/events", $"/api/tunnels/{SiteTunnel}/events?after=-1");
        var page = JsonNode.Parse(await contract.CheckAsync(reader, HttpMethod.Get, "/api/events", "/api/events?limit=2"))!;
        Assert.Equal(2, page["events"]!.AsArray().Count);
        await contract.CheckAsync(reader, HttpMethod.Get, "/api/events", "/api/events?since=yesterday");

        // Last, as it locks this address out for the window: wrong tokens until 429.
        for (var attempt = 0; attempt < FailureLimit; attempt++)
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/fleet")).StatusCode);
        await contract.CheckAsync(wrong, HttpMethod.Get, "/api/fleet");

        contract.AssertEveryOperationWasCovered();
    }

    private const int FailureLimit = 3;

    /// <summary>
    /// Reachable from other hosts (0.0.0.0; the test talks to 127.0.0.1 only), so that every read can be refused too;
    /// two simulated tunnels that do not break on their own, one of them configured with a site.
    /// </summary>
    private static object OffLoopbackWorld(SupervisorConfigFile config, int port) => new
    {
        NodeName = "openapi",
        Admin = new { Url = $"http://0.0.0.0:{port}", AuthFailures = new { Limit = FailureLimit, WindowSeconds = 60 } },
        PollIntervalSeconds = 0.5,
        Backend = "Simulated",
        CommonCause = new { Enabled = false },
        Simulation = new { Tunnels = 2, BreakEverySeconds = 1000, RepairSeconds = 0.1, FixProbability = 1.0 },
        Journal = new { Provider = "Sqlite", SqlitePath = config.JournalPath },
        Defaults = new { StaleAfterSeconds = 2, VerifyTimeoutSeconds = 2, Repair = new[] { "reset-peer" } },
        Tunnels = new[]
        {
            new
            {
                Name = SiteTunnel, Interface = SimulatedWireGuard.InterfaceName(0), Namespace = "sim", PeerPublicKey = SimulatedWireGuard.PeerKey(1, 0),
                Site = SiteName,
            },
        },
    };

    private static JsonObject WithValue(JsonObject original, string property, JsonNode value)
    {
        var copy = original.DeepClone().AsObject();
        copy[property] = value;
        return copy;
    }

    private static HttpClient Client(Uri baseUrl, string? token)
    {
        var client = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(15) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>The pinned CLI's entry script (tools/openapi, installed by scripts/setup.sh --test) and node to run it.</summary>
    private static string RequireRedocly()
    {
        var cli = Path.Combine(ToolsFolder, "node_modules", "@redocly", "cli", "bin", "cli.js");
        var node = Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => Path.Combine(d, "node")).FirstOrDefault(File.Exists);
        var missing = node is null ? "node is not installed (scripts/setup.sh --test installs it)"
            : !File.Exists(cli) ? $"the Redocly CLI is not installed at {cli} (scripts/setup.sh --test runs npm ci --prefix tools/openapi)"
            : null;
        if (missing is null) return cli;
        if (Prerequisites.InCi) throw new InvalidOperationException($"CI=true but a prerequisite is missing: {missing}");
        Skip.If(true, $"skipped: {missing}");
        return "";
    }

    /// <summary>
    /// The document's operations and a validator of answers against them. Each answer's status must be one the operation
    /// lists, with one of its media types; a JSON body must be valid against that response's schema (the document's
    /// components as $defs, formats checked); a server-sent event stream's first event must be a tunnel as getTunnel gives it.
    /// </summary>
    private sealed class Contract(JsonObject document, ITestOutputHelper output)
    {
        /// <summary>The stream's first event comes at once; the read is bounded as the stream never ends, generously (it was 10 s) for a loaded machine.</summary>
        private static readonly TimeSpan StreamLimit = TimeSpan.FromSeconds(30);
        private readonly Dictionary<string, HashSet<int>> _answered = [];

        private IEnumerable<(string Path, string Method, JsonObject Operation)> Operations =>
            document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject()
                .Where(o => o.Key is "get" or "post" or "put" or "patch" or "delete" or "head")
                .Select(o => (p.Key, o.Key, o.Value!.AsObject())));

        /// <summary>Sends the request, checks the answer against the operation at <paramref name="template"/>; returns the body.</summary>
        public async Task<string> CheckAsync(HttpClient client, HttpMethod method, string template, string? path = null, HttpContent? body = null)
        {
            var (_, _, operation) = Operations.SingleOrDefault(o => o.Path == template && o.Method == method.Method.ToLowerInvariant());
            Assert.True(operation is not null, $"the document has no {method} {template}");
            var operationId = operation["operationId"]!.GetValue<string>();
            using var request = new HttpRequestMessage(method, path ?? template) { Content = body };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var status = (int)response.StatusCode;
            var what = $"{operationId} ({method} {path ?? template}) answered {status}";
            var documented = operation["responses"]!.AsObject()[status.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            Assert.True(documented is not null, $"{what}, which the document does not list ({string.Join(", ", operation["responses"]!.AsObject().Select(r => r.Key))})");
            _answered.TryAdd(operationId, []);
            _answered[operationId].Add(status);

            var mediaType = response.Content.Headers.ContentType?.MediaType;
            if (documented["content"] is not JsonObject content)
            {
                Assert.True(response.Content.Headers.ContentLength is null or 0 || mediaType is null, $"{what} with a body the document does not describe");
                output.WriteLine($"{what}: no body, as documented");
                return "";
            }
            Assert.True(mediaType is not null && content.ContainsKey(mediaType),
                $"{what} as {mediaType}; the document says {string.Join(", ", content.Select(c => c.Key))}");
            var schema = content[mediaType]!["schema"]!;
            string text;
            if (mediaType == "text/event-stream")
            {
                text = await FirstEventDataAsync(response);
                Validate(what + " (first event)", ComponentSchema("TunnelResource"), text);
            }
            else
            {
                text = await response.Content.ReadAsStringAsync();
                if (mediaType.EndsWith("json", StringComparison.Ordinal)) Validate(what, schema, text);
                else Assert.False(string.IsNullOrEmpty(text), $"{what} with an empty {mediaType} body");
            }
            var detail = mediaType == "application/problem+json" ? $": {JsonNode.Parse(text)?["detail"]}" : "";
            output.WriteLine($"{what} ({mediaType}): valid{detail}");
            return text;
        }

        public void AssertEveryOperationWasCovered()
        {
            var all = Operations.Select(o => o.Operation["operationId"]!.GetValue<string>()).ToHashSet();
            Assert.Equal(all.Order(), _answered.Keys.Order());
            // Each operation that can refuse was seen refusing (or rejecting a parameter) at least once.
            var neverRefused = Operations
                .Where(o => o.Operation["responses"]!.AsObject().Any(r => r.Key.StartsWith('4')))
                .Select(o => o.Operation["operationId"]!.GetValue<string>())
                .Where(id => !_answered[id].Any(s => s is >= 400 and < 500)).ToList();
            Assert.True(neverRefused.Count == 0, $"no 4xx answer checked for {string.Join(", ", neverRefused)}");
            output.WriteLine(string.Join('\n', _answered.OrderBy(a => a.Key).Select(a => $"{a.Key}: {string.Join(", ", a.Value.Order())}")));
        }

        private static JsonObject ComponentSchema(string name) => new JsonObject { ["$ref"] = $"#/components/schemas/{name}" };

        public void AssertInvalid(string component, JsonNode body) =>
            Assert.False(Evaluate(ComponentSchema(component), body.ToJsonString()).IsValid, $"the {component} schema accepted {body.ToJsonString()}");

        private void Validate(string what, JsonNode schema, string body)
        {
            var result = Evaluate(schema, body);
            Assert.True(result.IsValid, $"{what}: the body does not match the document's schema:\n" +
                                        string.Join('\n', (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                                            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.SchemaLocation}): {e.Value}"))) +
                                        $"\nbody: {(body.Length > 2000 ? body[..2000] + "..." : body)}");
        }

        private EvaluationResults Evaluate(JsonNode schema, string body)
        {
            // The response's schema with the document's components beside it, as JSON Schema 2020-12 (OpenAPI 3.1's dialect).
            var combined = new JsonObject
            {
                ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                ["$defs"] = document["components"]!["schemas"]!.DeepClone(),
                ["allOf"] = new JsonArray(schema.DeepClone()),
            }.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
            var jsonSchema = JsonSchema.FromText(combined, new BuildOptions { SchemaRegistry = new SchemaRegistry() },
                new Uri($"https://wgsupervisor.invalid/contract/{Guid.NewGuid():N}"));
            using var instance = JsonDocument.Parse(body);
            return jsonSchema.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        }

        /// <summary>The data of the stream's first event (read with a time limit; the stream itself never ends).</summary>
        private static async Task<string> FirstEventDataAsync(HttpResponseMessage response)
        {
            using var limit = new CancellationTokenSource(StreamLimit);
            using var stream = new StreamReader(await response.Content.ReadAsStreamAsync(limit.Token), Encoding.UTF8);
            for (var lines = 0; lines < 1000; lines++)
            {
                var line = await stream.ReadLineAsync(limit.Token) ?? throw new InvalidOperationException("the stream ended before its first event");
                if (line.StartsWith("data: ", StringComparison.Ordinal)) return line["data: ".Length..];
            }
            throw new InvalidOperationException("no data line in the stream's first 1000 lines");
        }
    }
}
