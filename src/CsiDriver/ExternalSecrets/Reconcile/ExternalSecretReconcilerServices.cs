using CsiDriver.ExternalSecrets.Generators;
using CsiDriver.ExternalSecrets.Kubernetes;
using CsiDriver.ExternalSecrets.Runtime;
using CsiDriver.ExternalSecrets.Stores;
using CsiDriver.ExternalSecrets.Stores.Fake;
using CsiDriver.Kubernetes;
using CsiDriver.Observability;
using CsiDriver.Templating;

namespace CsiDriver.ExternalSecrets.Reconcile;

/// <summary>Wires the ExternalSecret, SecretStore and ClusterSecretStore reconcilers and the <c>fake</c> store provider.</summary>
internal static class ExternalSecretReconcilerServices
{
    /// <summary>
    /// Registers the reconcilers as <see cref="IReconciler"/>s and the fake store as an <see cref="IStoreProvider"/>.
    /// Needs a <see cref="KubernetesApi"/>, a <see cref="MetricsRegistry"/> and a <see cref="TimeProvider"/> from the host;
    /// <see cref="ExternalSecretsReconcileOptions"/> falls back to its defaults unless the host registers one first.
    /// </summary>
    public static IServiceCollection AddExternalSecretReconcilers(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<MetricsRegistry>();
        services.TryAddSingleton<InformerCaches>();
        services.TryAddSingleton(new ExternalSecretsReconcileOptions());
        services.TryAddSingleton(sp => ControllerConnections.Connect(sp, (transport, credentials) => new ExternalSecretsKubeApi(transport, credentials)));
        services.TryAddSingleton<ExternalSecretsEventRecorder>();
        services.TryAddSingleton<ExternalSecretMetrics>();
        services.TryAddSingleton<TemplateEngine>(_ => new TemplateEngine(TemplateLimits.Default));
        services.TryAddSingleton<SharedStoreReads>();
        services.TryAddSingleton<StoreResolver>();
        services.AddExternalSecretGenerators();
        services.TryAddSingleton<ExternalSecretFetcher>();
        services.TryAddSingleton<SecretRenderer>();
        services.TryAddSingleton<TargetSecretWriter>();
        services.TryAddSingleton<RefreshLedger>();
        services.AddSingleton<IStoreProvider>(sp => new FakeStoreProvider(sp.GetService<DriverMetrics>()));
        services.TryAddSingleton<ExternalSecretReconciler.Dependencies>();
        services.AddSingleton<IReconciler, ExternalSecretReconciler>();
        services.AddSingleton<IReconciler>(sp => CreateStoreReconciler(sp, StoreContext.SecretStoreKind));
        services.AddSingleton<IReconciler>(sp => CreateStoreReconciler(sp, StoreContext.ClusterSecretStoreKind));
        return services;
    }

    private static StoreReconciler CreateStoreReconciler(IServiceProvider sp, string kind) => ActivatorUtilities.CreateInstance<StoreReconciler>(sp, kind);
}
