"""The service mesh: router objects as the API server holds them, and requests through them.

:mod:`.objects` keeps the VirtualServices/DestinationRules and (through :mod:`.routers`) the
other routers' objects, Ingresses and TrafficSplits among them, rewritten only through
Argo's reconcilers (:mod:`canarysim.engine.istio`,
:mod:`canarysim.engine.trafficrouting.nginx`, :mod:`canarysim.engine.trafficrouting.smi`);
:mod:`.router` applies Istio's request semantics to them, :mod:`.ingress` ingress-nginx's,
:mod:`.gateway` a Gateway API implementation's (HTTPRoutes, written by the Gateway API plugin
through :mod:`canarysim.engine.trafficrouting.gatewayapi`) and :mod:`.split` an SMI mesh's;
:mod:`.alb` the AWS side of an ALB Rollout (load balancers that apply Ingress changes after a
sync delay, the target-group weights ``VerifyWeight`` reads, and the ALB as a data plane);
:mod:`.targets` the target groups TargetGroupBindings (written, or made for ALB Ingresses)
bind to Services (registered a sync after the endpoints change; what
``--aws-verify-target-group`` compares);
:mod:`.appmesh` an App Mesh sidecar's routing over VirtualRouters and VirtualNodes;
:mod:`.envoy` runs each attempt (retries, timeouts, back-off). A new router's data plane goes here
beside them.

May import: NumPy, the engine, :mod:`canarysim.sim.traffic` value types, :mod:`canarysim.errors`.
"""
