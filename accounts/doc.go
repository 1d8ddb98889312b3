// Package accounts manages who may use the exchange: parties, groups and the
// bearer tokens that authenticate them, and the one admin token that manages
// all of these. It implements deconflict.AccountService on a deconflict.Store.
//
// Tokens are shown once, when made, and only their SHA-256 hash is stored: the
// package must never write, log or return a stored secret. It knows nothing of
// HTTP; package api maps its coded errors to statuses.
package accounts
