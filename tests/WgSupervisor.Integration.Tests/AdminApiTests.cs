using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using WgSupervisor.Integration.Tests.Support;

namespace WgSupervisor.Integration.Tests;

/// <summary>The admin API of a running host (simulated backend): filters, errors, auth, maintenance, quarantine release, config, OpenAPI.</summary>
public sealed class AdminApiTests
{
    /// <summary>For a command's effect on a real process (and its history in the journal): generous, as it costs nothing when things work
    /// and a loaded CI machine can take seconds (this was 10 s).</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Bad_parameters_get_problem_details_that_name_them()
    {
        var (supervisor, config) = await SimulatedSupervisor.StartAsync(breakEverySeconds: 1000);
        await using var _ = supervisor;
        using var __ = config;

        foreach (var (path, parameter) in new[]
                 {
                     ("/api/tunnels?state=broken", "state"), ("/api/tunnels/..%2Fetc", "name"), ("/api/tunnels/a;rm%20-rf/events", "name"),
                     ("/api/events?since=yesterday", "since"), ("/api/events?limit=0", "limit"), ("/api/events?type=nonsense", "type"),
                     ("/api/tunnels/x/events?after=-1", "after"),
                 })
        {
            var response = await supervisor.Http.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(parameter, (await response.Content.ReadFromJsonAsync<JsonObject>())!["parameter"]!.GetValue<string>());
        }
        var missing = await supervisor.Http.GetAsync("/api/tunnels/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("name", (await missing.Content.ReadFromJsonAsync<JsonObject>())!["parameter"]!.GetValue<string>());
        var noSite = await supervisor.Http.PostAsync("/api/sites/nowhere/pause", null);
        Assert.Equal(HttpStatusCode.NotFound, noSite.StatusCode);
    }

    [Fact]
    public async Task Mutating_routes_need_the_token_and_pause_resume_work_on_tunnels_and_sites()
    {
        var (supervisor, config) = await SimulatedSupervisor.StartAsync(tunnels: 3, breakEverySeconds: 1000);
        await using var _ = supervisor;
        using var __ = config;
        var name = (await supervisor.GetJsonAsync("/api/tunnels")).AsArray()[0]!["name"]!.GetValue<string>();
        using var anonymous = new HttpClient { BaseAddress = supervisor.BaseUrl };
        using var wrong = new HttpClient { BaseAddress = supervisor.BaseUrl };
        wrong.DefaultRequestHeaders.Authorization = new("Bearer", "not-the-token-at-all");
        foreach (var client in new[] { anonymous, wrong })
        {
            var refused = await client.PostAsync($"/api/tunnels/{name}/pause", null);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("Authorization", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["parameter"]!.GetValue<string>());
        }

        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/tunnels/{name}/pause") { Content = JsonContent.Create(new { reason = "line work" }) };
        request.Headers.Add("X-Operator", "alice");
        Assert.Equal(HttpStatusCode.Accepted, (await supervisor.Http.SendAsync(request)).StatusCode);
        await supervisor.WaitForStateAsync(name, "paused", Limit);
        Assert.Contains("alice via admin API: line work", (await supervisor.GetJsonAsync($"/api/tunnels/{name}"))["reason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, (await supervisor.Http.PostAsync($"/api/tunnels/{name}/restart", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await supervisor.Http.PostAsync($"/api/tunnels/{name}/resume", null)).StatusCode);
        await supervisor.WaitUntilAsync("resumed", Limit, async () => await supervisor.StateAsync(name) != "paused");
        Assert.Equal(HttpStatusCode.Conflict, (await supervisor.Http.PostAsync($"/api/tunnels/{name}/release", null)).StatusCode);

        // The state answers from the tunnel actor at once; its history lands when the journal has written it.
        await supervisor.WaitForEventSequenceAsync(name, Limit, "paused", "resumed");
        var paused = await supervisor.GetJsonAsync($"/api/events?type=paused&tunnel={name}");
        Assert.Single(paused["events"]!.AsArray());
    }

    [Fact]
    public async Task The_effective_config_hides_secrets_and_the_openapi_document_lists_the_routes()
    {
        var (supervisor, config) = await SimulatedSupervisor.StartAsync(breakEverySeconds: 1000);
        await using var _ = supervisor;
        using var __ = config;

        var effective = await supervisor.Http.GetStringAsync("/api/config");
        Assert.DoesNotContain(SupervisorProcess.AdminToken, effective);
        Assert.Equal("(set)", JsonNode.Parse(effective)!["adminToken"]!.GetValue<string>());

        var openApi = JsonNode.Parse(await supervisor.Http.GetStringAsync("/openapi/v1.json"))!;
        var paths = openApi["paths"]!.AsObject().Select(p => p.Key).ToList();
        foreach (var route in new[] { "/api/tunnels", "/api/tunnels/{name}", "/api/tunnels/{name}/events", "/api/tunnels/{name}/restart",
                     "/api/sites/{site}/pause", "/api/events", "/api/fleet", "/api/stream" })
            Assert.Contains(route, paths);

        // Readiness waits until every tunnel recovered its history and was observed once.
        await supervisor.WaitUntilAsync("ready", Limit, async () => (await supervisor.Http.GetAsync("/readyz")).IsSuccessStatusCode);
        var ready = await supervisor.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("healthy", JsonNode.Parse(await ready.Content.ReadAsStringAsync())!["checks"]!["journal"]!["status"]!.GetValue<string>());
    }
}
