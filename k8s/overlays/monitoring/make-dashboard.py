# Generates berth-dashboard.json beside it: python3 k8s/overlays/monitoring/make-dashboard.py (edit here, not the JSON).
import json
layout=[]
J='{job=~"$job",instance=~"$instance"}'
HIT='{job=~"$job",instance=~"$instance",result="hit"}'
HEAP='{job=~"$job",instance=~"$instance",area="heap"}'
def ts(title, exprs, unit="short", desc=""):
    return {"type":"timeseries","title":title,"description":desc,
            "datasource":{"type":"prometheus","uid":"${datasource}"},
            "fieldConfig":{"defaults":{"unit":unit},"overrides":[]},
            "options":{"legend":{"displayMode":"table","placement":"bottom","calcs":["lastNotNull","max"]}},
            "targets":[{"refId":chr(65+i),"expr":e,"legendFormat":l} for i,(e,l) in enumerate(exprs)]}
def add(p, w=12, h=8): layout.append((p,w,h))
def row(title): layout.append(({"type":"row","title":title,"collapsed":False,"panels":[]},24,1))
R='[$__rate_interval]'
row("Serving")
add(ts("Requests/s by route and status",[('sum by (route, status) (rate(berth_http_requests_seconds_count'+J+R+'))',"{{route}} {{status}}")],"reqps"))
add(ts("Latency by route: p50 and p99",[('histogram_quantile(0.5, sum by (route, le) (rate(berth_http_requests_seconds_bucket'+J+R+')))',"{{route}} p50"),('histogram_quantile(0.99, sum by (route, le) (rate(berth_http_requests_seconds_bucket'+J+R+')))',"{{route}} p99")],"s"))
add(ts("Cache hit ratio by kind",[('sum by (kind) (rate(berth_cache_requests_total'+HIT+R+')) / sum by (kind) (rate(berth_cache_requests_total'+J+R+'))',"{{kind}}")],"percentunit","Answers from cache / all answers. A tag hit is a request answered from its cached resolution."))
add(ts("Bytes served by source",[('sum by (source) (rate(berth_served_bytes_total'+J+R+'))',"{{source}}")],"Bps"))
add(ts("Blob misses streamed uncached (cache writes paused)",[('sum(rate(berth_uncached_blobs_total'+J+R+'))',"uncached/s")],"reqps"))
add(ts("Client connections",[('sum(berth_connections_open'+J+')',"open"),('sum(rate(berth_connections_rejected_total'+J+R+'))',"rejected/s (limits.max-connections)")]))
row("Upstreams")
add(ts("Upstream exchanges/s by upstream, method and outcome",[('sum by (upstream, method, outcome) (rate(berth_upstream_requests_seconds_count'+J+R+'))',"{{upstream}} {{method}} {{outcome}}")],"reqps","Docker Hub pulls spent = manifest GETs; HEADs are free."))
add(ts("Upstream latency: p50 and p99",[('histogram_quantile(0.5, sum by (upstream, le) (rate(berth_upstream_requests_seconds_bucket'+J+R+')))',"{{upstream}} p50"),('histogram_quantile(0.99, sum by (upstream, le) (rate(berth_upstream_requests_seconds_bucket'+J+R+')))',"{{upstream}} p99")],"s"))
add(ts("Downloads and coalescing",[('sum(berth_upstream_downloads_inflight'+J+')',"downloads in flight"),('sum(rate(berth_upstream_downloads_total'+J+R+'))',"downloads started/s"),('sum(rate(berth_coalesced_requests_total'+J+R+'))',"requests joining one in flight/s")]))
add(ts("Back-off and stale serves",[('sum(berth_upstream_backoff_closed'+J+')',"upstreams/repositories backing off"),('sum(rate(berth_stale_serves_total'+J+R+'))',"stale serves/s")]))
add(ts("Docker Hub rate limit",[('min by (upstream) (berth_upstream_ratelimit_remaining'+J+')',"{{upstream}} remaining"),('max by (upstream) (berth_upstream_ratelimit_limit'+J+')',"{{upstream}} limit")]))
add(ts("Token fetches/s",[('sum(rate(berth_upstream_token_fetches_total'+J+R+'))',"token fetches/s")],"reqps"))
row("Storage and access")
add(ts("Stored bytes, cap and free space",[('sum by (instance) (berth_storage_bytes'+J+' + berth_storage_manifest_bytes'+J+')',"{{instance}} stored"),('sum by (instance) (berth_storage_writing_bytes'+J+')',"{{instance}} downloading (counted against the cap)"),('max by (instance) (berth_storage_max_bytes'+J+')',"{{instance}} storage.max-size"),('min by (instance) (berth_storage_free_bytes'+J+')',"{{instance}} free on the filesystem")],"bytes","Blobs and manifests; above storage.max-size, least recently used content is evicted down to the low-water mark."))
add(ts("Cache writes (1 = caching, 0 = paused)",[('min by (instance) (berth_storage_writable'+J+')',"{{instance}}")],"short","Paused below storage.min-free or after a full disk; hits still serve, misses stream through."))
add(ts("Stored blobs, manifests and pins",[('sum by (instance) (berth_storage_blobs'+J+')',"{{instance}} blobs"),('sum by (instance) (berth_storage_manifests'+J+')',"{{instance}} manifests"),('max by (instance) (berth_pins'+J+')',"{{instance}} pinned images")]))
add(ts("Evictions/s by kind and reason",[('sum by (kind, reason) (rate(berth_evictions_total'+J+R+'))',"{{kind}} {{reason}}"),('sum(rate(berth_eviction_in_use_total'+J+R+'))',"kept: in use")],"short","reason size: LRU eviction above storage.max-size; purge: DELETE /admin/cache."))
add(ts("Evicted bytes/s",[('sum by (reason) (rate(berth_evicted_bytes_total'+J+R+'))',"{{reason}}")],"Bps"))
add(ts("Access decisions/s (tenancy)",[('sum by (basis, result) (rate(berth_access_decisions_total'+J+R+'))',"{{basis}} {{result}}")],"reqps"))
add(ts("Node credentials",[('sum by (instance) (berth_credentials_keys'+J+')',"{{instance}} keys"),('sum by (instance) (increase(berth_credentials_reload_failures_total'+J+'[1h]))',"{{instance}} reload failures (1h)")]))
add(ts("Access verdicts standing in during outages/s",[('sum by (subject) (rate(berth_access_stale_verdicts_total'+J+R+'))',"{{subject}}")],"reqps","Verdicts older than credentials.check-ttl used because the upstream could not be asked (within max-stale)."))
add(ts("Credential provider plugin runs/s",[('sum by (provider, outcome) (rate(berth_credential_plugin_runs_total'+J+R+'))',"{{provider}} {{outcome}}")],"short","Kubelet credential provider plugins; any outcome but ok means no credentials from that run."))
add(ts("JVM heap used",[('sum by (instance) (jvm_memory_used_bytes'+HEAP+')',"{{instance}}")],"bytes"))
out=[]; x=0; y=0; rowh=0; pid=1
for p,w,h in layout:
    if p.get("type")=="row":
        if x>0: y+=rowh; x=0; rowh=0
        p["gridPos"]={"x":0,"y":y,"w":24,"h":1}; p["id"]=pid; pid+=1; out.append(p); y+=1; continue
    if x+w>24: x=0; y+=rowh; rowh=0
    p["gridPos"]={"x":x,"y":y,"w":w,"h":h}; p["id"]=pid; pid+=1; out.append(p); x+=w; rowh=max(rowh,h)
q={"type":"prometheus","uid":"${datasource}"}
dash={"title":"berth","uid":"berth-overview","tags":["berth","registry"],"timezone":"browser","schemaVersion":39,"version":1,
"refresh":"30s","time":{"from":"now-6h","to":"now"},
"description":"berth, the pull-through registry mirror: serving, upstreams, storage. Built on the metrics in the README's Metrics table.",
"templating":{"list":[
 {"name":"datasource","type":"datasource","query":"prometheus","label":"Prometheus"},
 {"name":"job","type":"query","datasource":q,"query":"label_values(berth_storage_bytes, job)","includeAll":True,"multi":True,"current":{"text":"All","value":"$__all"},"refresh":2},
 {"name":"instance","type":"query","datasource":q,"query":"label_values(berth_storage_bytes{job=~\"$job\"}, instance)","includeAll":True,"multi":True,"current":{"text":"All","value":"$__all"},"refresh":2}]},
"panels":out}
open(__import__('os').path.join(__import__('os').path.dirname(__file__), 'berth-dashboard.json'),'w').write(json.dumps(dash,indent=2)+"\n")
print(len(out),"panels")
