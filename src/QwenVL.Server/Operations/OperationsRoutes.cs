// Operational endpoints: GET /health (never behind the API key, so load balancers can probe it;
// 503 once shutdown has begun) and GET /metrics in the Prometheus text format.
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using QwenVL.Server.Hosting;

namespace QwenVL.Server.Operations;

/// <summary>/health body.</summary>
public sealed record HealthStatus(string Status, IReadOnlyList<string> Models, int InFlight, int Queued);

/// <summary>The operations route group.</summary>
internal static class OperationsRoutes
{
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder group = app.MapGroup("");
        group.MapGet("/health", Health);
        group.MapGet("/metrics", Metrics);
    }

    private static Results<Ok<HealthStatus>, JsonHttpResult<HealthStatus>> Health(ServerState state)
    {
        var status = new HealthStatus(state.Drain.IsCancellationRequested || state.Admission.Closed ? "shutting_down" : "ok",
            state.Models.Names, state.Admission.InFlight, state.Admission.Waiting);
        return status.Status == "ok" ? TypedResults.Ok(status) : TypedResults.Json(status, ServerState.Json, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static ContentHttpResult Metrics(ServerState state) =>
        TypedResults.Text(state.Metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
}
