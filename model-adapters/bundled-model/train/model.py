"""Tiny GPT-style decoder used by the Moat bundled model (training and ONNX export share it)."""
import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class GPTConfig:
    vocab_size: int = 4096
    n_layer: int = 4
    n_head: int = 4
    d_model: int = 192
    max_positions: int = 256

    @property
    def head_dim(self):
        return self.d_model // self.n_head

    def to_dict(self):
        return asdict(self)


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        d = cfg.d_model
        self.n_head = cfg.n_head
        self.head_dim = cfg.head_dim
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc = nn.Linear(d, 4 * d)
        self.fc_out = nn.Linear(4 * d, d)

    def forward(self, x, past_k, past_v, mask):
        # x [B,T,D]; past_k/past_v [B,H,P,hd]; mask [T,P+T] bool (True = may attend)
        B, T, D = x.shape
        h = self.ln1(x)
        q, k, v = self.qkv(h).split(D, dim=2)
        q = q.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        k = k.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        v = v.view(B, T, self.n_head, self.head_dim).transpose(1, 2)
        k_all = torch.cat([past_k, k], dim=2)
        v_all = torch.cat([past_v, v], dim=2)
        att = torch.matmul(q, k_all.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        att = att.masked_fill(~mask, float("-inf"))
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v_all).transpose(1, 2).reshape(B, T, D)
        x = x + self.proj(y)
        x = x + self.fc_out(F.gelu(self.fc(self.ln2(x))))
        return x, k_all, v_all


class TinyGPT(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.wpe = nn.Embedding(cfg.max_positions, cfg.d_model)
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.apply(self._init)
        for b in self.blocks:
            nn.init.normal_(b.proj.weight, std=0.02 / math.sqrt(2 * cfg.n_layer))
            nn.init.normal_(b.fc_out.weight, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def num_parameters(self):
        return sum(p.numel() for p in self.parameters())

    def empty_cache(self, batch):
        c = self.cfg
        z = torch.zeros(c.n_layer, batch, c.n_head, 0, c.head_dim)
        return z, z.clone()

    def forward(self, input_ids, past_keys=None, past_values=None):
        """input_ids [B,T] int64; past_* [L,B,H,P,hd] (P may be 0).

        Returns logits [B,T,V], present_keys/values [L,B,H,P+T,hd].
        """
        B, T = input_ids.shape
        if past_keys is None:
            past_keys, past_values = self.empty_cache(B)
        P = past_keys.shape[3]
        # positions P .. P+T-1, built from shapes so the ONNX graph keeps them dynamic
        q_pos = torch.arange(T, device=input_ids.device) + P
        k_pos = torch.arange(P + T, device=input_ids.device)
        mask = k_pos.unsqueeze(0) <= q_pos.unsqueeze(1)          # [T, P+T]
        x = self.wte(input_ids) + self.wpe(q_pos).unsqueeze(0)
        pk, pv = [], []
        for i, blk in enumerate(self.blocks):
            x, k, v = blk(x, past_keys[i], past_values[i], mask)
            pk.append(k)
            pv.append(v)
        x = self.ln_f(x)
        logits = torch.matmul(x, self.wte.weight.t())
        return logits, torch.stack(pk, 0), torch.stack(pv, 0)

    def loss(self, input_ids, targets):
        logits, _, _ = self.forward(input_ids)
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
